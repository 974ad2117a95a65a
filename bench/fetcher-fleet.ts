/**
 * A fleet of event-fetchers sharing many communities through their Redis leases, on one machine:
 * `--communities` sandbox communities (one sandbox process), `--fetchers` fetcher processes (the
 * build, `node apps/fetcher/dist/main.js`, each configured with every community's token, as a
 * replica of one deployment is), one private redis-server (no persistence).
 *
 * 1. All fetchers start at once; their /readyz (role of each community) is polled until every
 *    community is polled by exactly one fetcher and stood by for by the others; the lease of each
 *    (`vkwire:lease:fetcher:<groupId>`, field `t`) is checked in Redis. Then 5 s idle: CPU of each
 *    process, Redis commands/s, RSS.
 * 2. Bursts: `--users` messages to each community at once (every user once: the names are fetched,
 *    the caches warm), then `--burst` to each community: time until all are on the bus (ev/s).
 * 3. Steady: `--rate` message_new a second spread round-robin over all communities for
 *    `--seconds`, each stamped with its enqueue time; a reader blocks in XREAD on every partition
 *    (age = read − enqueued). At `--kill-at` s the fetcher polling most communities is killed with
 *    SIGKILL; every 250 ms its communities' leases are read in Redis (another holder's token: the
 *    lease taken) and the survivors' /readyz (the community polled again, its Long Poll started). Ages are reported for the communities it polled (after the kill) and the others;
 *    every event is checked in once (lost, duplicated).
 * 4. SIGTERM to the survivors: exit codes and time to exit.
 *
 *   pnpm --filter @vkwire/bench fetcher-fleet [--communities 1000] [--fetchers 3] [--lease-ms 10000]
 *     [--rate 2000] [--seconds 40] [--kill-at 10] [--users 20] [--burst 50] [--partitions 16]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { partitionKey } from '@vkwire/redis-bridge';
import { destroyManagedRedis, launchManagedRedis } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { startBenchSandbox } from './lib/bench-sandbox-client.ts';
import { agesOf, type BusRecord, percentile, startBusReader, wallNow } from './lib/bus-reader.ts';
import { type FetcherProcess, metricSum, startFetcherProcess } from './lib/fetcher-process.ts';
import { cpuSeconds, rssBytes } from './lib/proc-stats.ts';

const { values } = parseArgs({
  options: {
    communities: { type: 'string', default: '1000' },
    fetchers: { type: 'string', default: '3' },
    'lease-ms': { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '40' },
    'kill-at': { type: 'string', default: '10' },
    users: { type: 'string', default: '20' },
    burst: { type: 'string', default: '50' },
    partitions: { type: 'string', default: '16' },
  },
});
const COMMUNITIES = Number(values.communities);
const FETCHERS = Number(values.fetchers);
const LEASE_MS = Number(values['lease-ms']);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const KILL_AT_MS = Number(values['kill-at']) * 1000;
const USERS = Number(values.users);
const BURST = Number(values.burst);
const PARTITIONS = Number(values.partitions);
const STREAM = 'fleet';
const TEXT = 'Здравствуйте! Подскажите, пожалуйста, работаете ли вы в выходные?';
const IDLE_MS = 5000;
const keys = Array.from({ length: PARTITIONS }, (_, n) =>
  partitionKey({ stream: STREAM, partitions: PARTITIONS }, n),
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (value: number) => Number(value.toFixed(1));
const mb = (bytes: number) => round1(bytes / 2 ** 20);

interface Readiness {
  ready: boolean;
  communities: Array<{ groupId: number | null; role: string }>;
}

async function readiness(fetcher: FetcherProcess): Promise<Readiness> {
  return JSON.parse(await fetcher.get('/readyz')) as Readiness;
}

/** Which fetchers (by index) poll each community now; all fetchers' readiness as well. */
async function leaders(
  fetchers: ReadonlyArray<FetcherProcess | undefined>,
): Promise<{ byGroup: Map<number, number[]>; allReady: boolean }> {
  const byGroup = new Map<number, number[]>();
  let allReady = true;
  await Promise.all(
    fetchers.map(async (fetcher, index) => {
      if (!fetcher) return;
      const state = await readiness(fetcher);
      allReady &&= state.ready;
      for (const community of state.communities)
        if (community.role === 'leader' && community.groupId !== null) {
          const list = byGroup.get(community.groupId) ?? [];
          list.push(index);
          byGroup.set(community.groupId, list);
        }
    }),
  );
  return { byGroup, allReady };
}

async function busLength(client: RedisClientType): Promise<number> {
  const lengths = await Promise.all(keys.map((key) => client.xLen(key)));
  return lengths.reduce((sum, length) => sum + length, 0);
}

async function waitForLength(client: RedisClientType, target: number, timeoutMs = 180_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while ((await busLength(client)) < target) {
    if (performance.now() > end)
      throw new Error(`the bus did not reach ${target} entries in ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Commands Redis ran so far: all (those scripts call included) and the script calls themselves. */
async function commandsProcessed(client: RedisClientType): Promise<{ all: number; scripts: number }> {
  const stats = String(await client.sendCommand(['INFO', 'stats']));
  const commands = String(await client.sendCommand(['INFO', 'commandstats']));
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(commands)?.[1] ?? 0);
  return {
    all: Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0),
    scripts: calls('evalsha') + calls('eval'),
  };
}

async function usedMemory(client: RedisClientType): Promise<number> {
  const info = String(await client.sendCommand(['INFO', 'memory']));
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

/** Lease keys present with a holder, out of the communities'. */
async function heldLeases(client: RedisClientType, groupIds: readonly number[]): Promise<number> {
  const holders = await Promise.all(groupIds.map((id) => client.hGet(`vkwire:lease:fetcher:${id}`, 't')));
  return holders.filter((holder) => typeof holder === 'string' && holder !== '').length;
}

function ageSummary(records: readonly BusRecord[]) {
  const ages = agesOf(records);
  return {
    events: ages.length,
    p50Ms: round1(percentile(ages, 50)),
    p99Ms: round1(percentile(ages, 99)),
    maxMs: round1(ages[ages.length - 1] ?? Number.NaN),
  };
}

const loadAtStart = loadavg().map(round1);
const redis = await launchManagedRedis();
const redisPid = Number(readFileSync(redis.pidFile, 'utf8'));
const sandbox = await startBenchSandbox(COMMUNITIES);
const groupIds = sandbox.groups.map((group) => group.id);
const client = createClient({ url: redis.url }) as RedisClientType;
await client.connect();
const fetchers: Array<FetcherProcess | undefined> = [];
try {
  // 1. Start together; wait until every community has exactly one poller.
  const env = {
    VK_TOKEN: sandbox.groups.map((group) => group.token).join(','),
    VK_API_URL: sandbox.apiUrl,
    REDIS_URL: redis.url,
    BUS_STREAM: STREAM,
    BUS_PARTITIONS: String(PARTITIONS),
    LEASE_MS: String(LEASE_MS),
    LP_WAIT: '25',
  };
  const started = performance.now();
  fetchers.push(
    ...(await Promise.all(
      Array.from({ length: FETCHERS }, (_, index) => startFetcherProcess({ env, name: `fetcher ${index}` })),
    )),
  );
  const allFetchers = [...fetchers] as FetcherProcess[];
  let state = await leaders(fetchers);
  const twice = (byGroup: Map<number, number[]>) =>
    [...byGroup.values()].filter((list) => list.length > 1).length;
  let maxPolledTwice = twice(state.byGroup);
  while (!(state.allReady && state.byGroup.size === COMMUNITIES && twice(state.byGroup) === 0)) {
    if (performance.now() - started > 180_000)
      throw new Error(`only ${state.byGroup.size} of ${COMMUNITIES} communities polled after 180 s`);
    await sleep(250);
    state = await leaders(fetchers);
    maxPolledTwice = Math.max(maxPolledTwice, twice(state.byGroup));
  }
  const allPolledAfterMs = Math.round(performance.now() - started);
  const pollersPerCommunity = [...state.byGroup.values()].map((list) => list.length);
  const startup = {
    allPolledAfterMs,
    communitiesPolled: state.byGroup.size,
    polledByMoreThanOne: pollersPerCommunity.filter((count) => count > 1).length,
    // The most communities two fetchers said they polled at the same moment, while starting.
    maxPolledTwiceWhileStarting: maxPolledTwice,
    leasesHeld: await heldLeases(client, groupIds),
    perFetcher: fetchers.map(
      (_, index) => [...state.byGroup.values()].filter((list) => list[0] === index).length,
    ),
  };

  // Idle: long polls held, standbys asking for their leases.
  const idleCpu0 = {
    fetchers: fetchers.map((fetcher) => cpuSeconds((fetcher as FetcherProcess).pid)),
    redis: cpuSeconds(redisPid),
    sandbox: cpuSeconds(sandbox.pid),
    commands: await commandsProcessed(client),
  };
  await sleep(IDLE_MS);
  const idle = {
    fetcherCpu: fetchers.map((fetcher, index) =>
      round1(
        ((cpuSeconds((fetcher as FetcherProcess).pid) - (idleCpu0.fetchers[index] as number)) * 1000) /
          IDLE_MS,
      ),
    ),
    redisCpu: round1(((cpuSeconds(redisPid) - idleCpu0.redis) * 1000) / IDLE_MS),
    sandboxCpu: round1(((cpuSeconds(sandbox.pid) - idleCpu0.sandbox) * 1000) / IDLE_MS),
    ...(await (async () => {
      const now = await commandsProcessed(client);
      return {
        redisCommandsPerSecond: Math.round(((now.all - idleCpu0.commands.all) * 1000) / IDLE_MS),
        redisScriptsPerSecond: Math.round(((now.scripts - idleCpu0.commands.scripts) * 1000) / IDLE_MS),
      };
    })()),
    fetcherRssMb: fetchers.map((fetcher) => mb(rssBytes((fetcher as FetcherProcess).pid))),
    redisUsedMemoryMb: mb(await usedMemory(client)),
  };

  // 2. Bursts: every user once to each community (names fetched), then a warm burst.
  const burst = async (perGroup: number) => {
    const before = await busLength(client);
    const from = performance.now();
    const emitted = await sandbox.bulkEach({ perGroup, users: USERS, text: TEXT });
    await waitForLength(client, before + emitted);
    const seconds = (performance.now() - from) / 1000;
    return { events: emitted, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(emitted / seconds) };
  };
  const coldBurst = await burst(USERS);
  const warmBurst = await burst(BURST);

  // 3. Steady load; kill the busiest fetcher part-way.
  const reader = await startBusReader(redis.url, keys);
  const busiest = startup.perFetcher.indexOf(Math.max(...startup.perFetcher));
  const steadyFrom = performance.now();
  const steadyCpu0 = {
    fetchers: fetchers.map((fetcher) => cpuSeconds((fetcher as FetcherProcess).pid)),
    redis: cpuSeconds(redisPid),
    sandbox: cpuSeconds(sandbox.pid),
  };
  const steadyStarted = wallNow();
  const steady = sandbox.steady({
    rate: RATE,
    seconds: SECONDS,
    users: USERS,
    text: TEXT,
    groups: COMMUNITIES,
  });
  await sleep(KILL_AT_MS);
  const beforeKill = await leaders(fetchers);
  const orphans = [...beforeKill.byGroup].filter(([, list]) => list.includes(busiest)).map(([id]) => id);
  const steadyMs = performance.now() - steadyFrom;
  const fetcherSeconds = fetchers.reduce(
    (sum, fetcher, index) =>
      sum + cpuSeconds((fetcher as FetcherProcess).pid) - (steadyCpu0.fetchers[index] as number),
    0,
  );
  const steadyCpu = {
    // All fetchers' CPU per event (µs) before the kill, at RATE / COMMUNITIES events a second each.
    fetcherCpuUsPerEvent: Math.round((fetcherSeconds * 1e9) / (RATE * steadyMs)),
    fetcherCpu: fetchers.map((fetcher, index) =>
      round1(
        ((cpuSeconds((fetcher as FetcherProcess).pid) - (steadyCpu0.fetchers[index] as number)) * 1000) /
          steadyMs,
      ),
    ),
    redisCpu: round1(((cpuSeconds(redisPid) - steadyCpu0.redis) * 1000) / steadyMs),
    sandboxCpu: round1(((cpuSeconds(sandbox.pid) - steadyCpu0.sandbox) * 1000) / steadyMs),
    fetcherRssMb: fetchers.map((fetcher) => mb(rssBytes((fetcher as FetcherProcess).pid))),
  };
  const holderAtKill = await Promise.all(orphans.map((id) => client.hGet(`vkwire:lease:fetcher:${id}`, 't')));
  const killedAt = wallNow();
  const killedProcess = fetchers[busiest] as FetcherProcess;
  fetchers[busiest] = undefined;
  await killedProcess.kill('SIGKILL');
  // Poll the survivors until every community is polled again (or the steady load ends).
  const takenOverAt = new Map<number, number>();
  // When another fetcher's token is in the lease (before its Long Poll started).
  const leaseTakenAt = new Map<number, number>();
  let polledByTwo = 0;
  while (takenOverAt.size < orphans.length) {
    const [now, holders] = await Promise.all([
      leaders(fetchers),
      Promise.all(orphans.map((id) => client.hGet(`vkwire:lease:fetcher:${id}`, 't'))),
    ]);
    const seenAt = wallNow();
    orphans.forEach((id, index) => {
      const holder = holders[index];
      if (!leaseTakenAt.has(id) && holder && holder !== holderAtKill[index])
        leaseTakenAt.set(id, seenAt - killedAt);
    });
    for (const id of orphans)
      if (!takenOverAt.has(id) && now.byGroup.has(id)) takenOverAt.set(id, seenAt - killedAt);
    polledByTwo = Math.max(polledByTwo, twice(now.byGroup));
    if (seenAt - killedAt > LEASE_MS * 6) break;
    await sleep(250);
  }
  const emittedInAll = await steady;
  const totalEnqueued = emittedInAll.emitted;
  await reader.waitFor(totalEnqueued, 60_000).catch(() => undefined);
  await sleep(500);
  await reader.stop();
  const afterTakeover = await leaders(fetchers);
  const leasesAfter = await heldLeases(client, groupIds);

  // Every stamped event once?
  const seen = new Map<string, number>();
  for (const record of reader.records) seen.set(record.eventId, (seen.get(record.eventId) ?? 0) + 1);
  const duplicated = [...seen.values()].filter((count) => count > 1).length;
  const orphanSet = new Set(orphans);
  const takeovers = [...takenOverAt.values()].sort((a, b) => a - b);
  const stamped = reader.records.filter((record) => record.enqueuedAt >= steadyStarted);
  const result = {
    scenario: 'fetcher-fleet',
    communities: COMMUNITIES,
    fetchers: FETCHERS,
    leaseMs: LEASE_MS,
    partitions: PARTITIONS,
    startup,
    idle,
    bursts: { cold: coldBurst, warm: warmBurst },
    steady: {
      rate: RATE,
      seconds: SECONDS,
      enqueued: totalEnqueued,
      readOnce: [...seen.values()].filter((count) => count === 1).length,
      lost: totalEnqueued - seen.size,
      duplicated,
      lateTicks: emittedInAll.lateTicks,
      ...steadyCpu,
      // The killed fetcher's communities, and the others: events enqueued before and after the kill.
      others: ageSummary(stamped.filter((record) => !orphanSet.has(record.groupId))),
      othersBeforeKill: ageSummary(
        stamped.filter((record) => record.enqueuedAt < killedAt && !orphanSet.has(record.groupId)),
      ),
      killedFetchersBeforeKill: ageSummary(
        stamped.filter((record) => record.enqueuedAt < killedAt && orphanSet.has(record.groupId)),
      ),
      killedFetchersAfterKill: ageSummary(
        stamped.filter((record) => record.enqueuedAt >= killedAt && orphanSet.has(record.groupId)),
      ),
    },
    kill: {
      fetcher: busiest,
      atSecond: KILL_AT_MS / 1000,
      communities: orphans.length,
      takenOver: takenOverAt.size,
      takeoverMs: {
        min: Math.round(takeovers[0] ?? Number.NaN),
        p50: Math.round(percentile(takeovers, 50)),
        max: Math.round(takeovers[takeovers.length - 1] ?? Number.NaN),
      },
      leaseTakenMs: (() => {
        const times = [...leaseTakenAt.values()].sort((a, b) => a - b);
        return {
          min: Math.round(times[0] ?? Number.NaN),
          p50: Math.round(percentile(times, 50)),
          max: Math.round(times[times.length - 1] ?? Number.NaN),
        };
      })(),
      polledByTwoAtOnce: polledByTwo,
      afterwards: {
        communitiesPolled: afterTakeover.byGroup.size,
        polledByMoreThanOne: [...afterTakeover.byGroup.values()].filter((list) => list.length > 1).length,
        leasesHeld: leasesAfter,
        perFetcher: fetchers.map((fetcher, index) =>
          fetcher ? [...afterTakeover.byGroup.values()].filter((list) => list[0] === index).length : null,
        ),
      },
    },
    // What each fetcher logged: polls started (a lease won), leases lost while polling, warnings.
    // A lease lost at the first renewal (LEASE_MS / 3 after polling started) was lost while the
    // Long Poll was starting: the time from polling started to lost tells.
    logs: allFetchers.map((fetcher) => {
      const startedAt = new Map<number, number>();
      const lostAfterPollingMs: number[] = [];
      for (const line of fetcher.log) {
        if (line.msg === 'fetcher: polling the community') startedAt.set(Number(line.groupId), line.time);
        else if (line.msg.startsWith('fetcher: lost the lease')) {
          const since = startedAt.get(Number(line.groupId));
          if (since !== undefined) lostAfterPollingMs.push(line.time - since);
        }
      }
      lostAfterPollingMs.sort((a, b) => a - b);
      return {
        pollsStarted: fetcher.log.filter((line) => line.msg === 'fetcher: polling the community').length,
        leasesLost: fetcher.log.filter((line) => line.msg.startsWith('fetcher: lost the lease')).length,
        lostAfterPollingMs:
          lostAfterPollingMs.length === 0
            ? null
            : { min: lostAfterPollingMs[0], max: lostAfterPollingMs[lostAfterPollingMs.length - 1] },
        warnings: fetcher.log.filter((line) => line.level >= 40).length,
      };
    }),
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map(round1) },
  };
  // What the survivors counted (names that went out null after a failed lookup, VK API errors).
  const counters = await Promise.all(
    fetchers.map(async (fetcher) => {
      if (!fetcher) return null;
      const text = await fetcher.get('/metrics');
      return {
        namesUnresolved: metricSum(text, 'vkwire_fetcher_names_unresolved_total'),
        resolverMisses: metricSum(text, 'vkwire_fetcher_resolver_cache_misses_total'),
        vkApiErrors: metricSum(text, 'vkwire_fetcher_vk_api_errors_total'),
        longPollFailed: metricSum(text, 'vkwire_fetcher_longpoll_failed_total'),
      };
    }),
  );
  Object.assign(result, { counters });
  // 4. Stop the survivors.
  const stopping = performance.now();
  const codes = await Promise.all(fetchers.map((fetcher) => fetcher?.kill('SIGTERM')));
  Object.assign(result, {
    stop: {
      exitCodes: codes.filter((code) => code !== undefined),
      ms: Math.round(performance.now() - stopping),
    },
  });
  console.log(JSON.stringify(result));
  console.log(
    `fetcher-fleet: ${COMMUNITIES} communities, ${FETCHERS} fetchers, LEASE_MS ${LEASE_MS}: all polled once after ` +
      `${startup.allPolledAfterMs} ms (${startup.perFetcher.join(' / ')}; ${startup.leasesHeld} leases); ` +
      `bursts ${coldBurst.perSecond} ev/s cold, ${warmBurst.perSecond} warm; steady ${RATE} ev/s: age p50 ` +
      `${result.steady.others.p50Ms} / p99 ${result.steady.others.p99Ms} ms (communities of the survivors); fetcher ${busiest} killed ` +
      `(${orphans.length} communities): leases taken in ${result.kill.leaseTakenMs.min}–${result.kill.leaseTakenMs.max} ms, ` +
      `polled again in ${result.kill.takeoverMs.min}–${result.kill.takeoverMs.max} ms, ` +
      `their events' max age ${result.steady.killedFetchersAfterKill.maxMs} ms; lost ${result.steady.lost}, duplicated ${duplicated}`,
  );
} finally {
  await Promise.all(fetchers.map((fetcher) => fetcher?.kill('SIGTERM')));
  await client.close().catch(() => {});
  await sandbox.stop();
  await destroyManagedRedis(redis);
}
