/**
 * The event-fetcher service end to end: sandbox Bots Long Poll → `apps/fetcher` (its build, in a
 * child process, configured through its environment as deployed) → the Redis bus.
 *
 * Processes: this one (the driver and the bus reader), the sandbox (./lib/bench-sandbox.ts: one
 * community, events enqueued inside it), the fetcher (`node apps/fetcher/dist/main.js`) and a
 * private redis-server (no persistence), all on the same machine.
 *
 * Names come from a warm cache: a first pass sends one message from each of the `--users` users, so
 * the fetcher's own resolver (createApiNameResolver, as main.ts builds it: LRU 10,000, TTL 1 h)
 * asks VK for them once; the measured rounds then find every name in it (the resolver's miss
 * counter, read from /metrics, is reported and must not move). A second pass of 20,000 events
 * warms the JIT. Then:
 *   (a) throughput: `--events` message_new (one call to the sandbox's bulk enqueue, over `--users`
 *       conversations) from the enqueue until the sum of XLEN over the partitions reaches the count
 *       (the entries are there only once Redis acknowledged them); `--rounds` rounds, the streams
 *       trimmed to empty between them;
 *   (b) event age: `--rate` message_new a second for `--seconds`, each text stamped by the sandbox
 *       with the wall-clock time it enqueued it; a reader on its own connection blocks in XREAD on
 *       all partitions, and an event's age is its arrival there minus its stamp (p50, p99, max).
 * CPU seconds of the fetcher, the sandbox and redis-server over each phase come from /proc.
 *
 *   pnpm --filter @vkwire/bench fetcher [--events 100000] [--rounds 3] [--rate 1000] [--seconds 10]
 *     [--users 1000] [--partitions 16] [--cpu-prof <dir>] [--fetcher-main <file>]
 *     [--node-option <flag>]...
 * (`--cpu-prof <dir>` runs the fetcher with `node --cpu-prof` and writes its profile there at stop;
 * `--fetcher-main <file>` runs another build's main.js instead, to compare a change;
 * `--node-option` passes a flag to the fetcher's node, e.g. `--node-option=--max-old-space-size=96`
 * to see it run in a small heap.)
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { partitionKey } from '@vkwire/redis-bridge';
import { destroyManagedRedis, launchManagedRedis } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { startBenchSandbox } from './lib/bench-sandbox-client.ts';
import { agesOf, percentile, startBusReader } from './lib/bus-reader.ts';
import { metricSum, startFetcherProcess } from './lib/fetcher-process.ts';
import { cpuSeconds, rssBytes } from './lib/proc-stats.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    users: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '16' },
    'cpu-prof': { type: 'string' },
    'fetcher-main': { type: 'string' },
    'node-option': { type: 'string', multiple: true },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const USERS = Number(values.users);
const PARTITIONS = Number(values.partitions);
const JIT_WARMUP = 20_000;
const STREAM = 'bench';
/** A customer's question, as in bus-publish (~1.3 KB of event JSON with the raw update). */
const TEXT =
  'Здравствуйте! Подскажите, пожалуйста, работаете ли вы в выходные и можно ли заказать доставку к 10 утра?';
const keys = Array.from({ length: PARTITIONS }, (_, n) =>
  partitionKey({ stream: STREAM, partitions: PARTITIONS }, n),
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (value: number) => Number(value.toFixed(1));

async function busLength(client: RedisClientType): Promise<number> {
  const lengths = await Promise.all(keys.map((key) => client.xLen(key)));
  return lengths.reduce((sum, length) => sum + length, 0);
}

async function waitForLength(client: RedisClientType, target: number, timeoutMs = 120_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while ((await busLength(client)) < target) {
    if (performance.now() > end)
      throw new Error(`the bus did not reach ${target} entries in ${timeoutMs} ms`);
    await sleep(2);
  }
}

async function usedMemory(client: RedisClientType): Promise<number> {
  const info = String(await client.sendCommand(['INFO', 'memory']));
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

async function trimBus(client: RedisClientType): Promise<void> {
  await Promise.all(keys.map((key) => client.sendCommand(['XTRIM', key, 'MAXLEN', '0'])));
}

const loadAtStart = loadavg().map(round1);
const redis = await launchManagedRedis();
const redisPid = Number(readFileSync(redis.pidFile, 'utf8'));
const sandbox = await startBenchSandbox(1);
const group = sandbox.groups[0] as { id: number; token: string };
const fetcher = await startFetcherProcess({
  env: {
    VK_TOKEN: group.token,
    VK_GROUP_ID: String(group.id),
    VK_API_URL: sandbox.apiUrl,
    REDIS_URL: redis.url,
    BUS_STREAM: STREAM,
    BUS_PARTITIONS: String(PARTITIONS),
    LP_WAIT: '25',
  },
  nodeFlags: [
    ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []),
    ...(values['node-option'] ?? []),
  ],
  ...(values['fetcher-main'] ? { main: values['fetcher-main'] } : {}),
});
const client = createClient({ url: redis.url }) as RedisClientType;
try {
  await fetcher.waitForLog((line) => line.msg === 'fetcher: polling the community');
  await client.connect();

  // Warm the name cache (one message from each user) and the JIT.
  await sandbox.bulk(USERS, { users: USERS, text: TEXT });
  await waitForLength(client, USERS);
  await sandbox.bulk(JIT_WARMUP, { users: USERS, text: TEXT });
  await waitForLength(client, USERS + JIT_WARMUP);
  const warmMetrics = await fetcher.get('/metrics');
  const missesAfterWarmup = metricSum(warmMetrics, 'vkwire_fetcher_resolver_cache_misses_total');

  // (a) throughput
  const rounds: Array<{
    perSecond: number;
    seconds: number;
    fetcherCpu: number;
    redisCpu: number;
    sandboxCpu: number;
    fetcherCpuUsPerEvent: number;
    redisCpuUsPerEvent: number;
    eventsPerPublishCall: number;
  }> = [];
  // The fetcher's publish calls (its latency histogram counts one per call): events per call.
  const publishCalls = async () =>
    metricSum(await fetcher.get('/metrics'), 'vkwire_fetcher_publish_latency_seconds_count');
  for (let round = 0; round < ROUNDS; round++) {
    await trimBus(client);
    await sleep(200);
    const callsBefore = await publishCalls();
    const cpu = [cpuSeconds(fetcher.pid), cpuSeconds(redisPid), cpuSeconds(sandbox.pid)];
    const started = performance.now();
    await sandbox.bulk(EVENTS, { users: USERS, text: TEXT });
    await waitForLength(client, EVENTS);
    const seconds = (performance.now() - started) / 1000;
    const used = [cpuSeconds(fetcher.pid), cpuSeconds(redisPid), cpuSeconds(sandbox.pid)].map(
      (now, index) => now - (cpu[index] as number),
    ) as [number, number, number];
    const calls = (await publishCalls()) - callsBefore;
    rounds.push({
      perSecond: Math.round(EVENTS / seconds),
      seconds: Number(seconds.toFixed(3)),
      // Cores busy on average, and CPU µs per event (steadier than ev/s on a shared machine).
      fetcherCpu: round1(used[0] / seconds),
      redisCpu: round1(used[1] / seconds),
      sandboxCpu: round1(used[2] / seconds),
      fetcherCpuUsPerEvent: Math.round((used[0] * 1e6) / EVENTS),
      redisCpuUsPerEvent: Math.round((used[1] * 1e6) / EVENTS),
      eventsPerPublishCall: round1(EVENTS / Math.max(1, calls)),
    });
  }
  const rssAfterThroughput = rssBytes(fetcher.pid);
  // Redis memory per event: the last round's entries in the streams, then their dedupe marks (kept
  // 24 h) once the streams are trimmed.
  const withEntries = await usedMemory(client);
  await trimBus(client);
  const withMarks = await usedMemory(client);
  const marks = await client.dbSize();
  const redisBytesPerEvent = {
    streamEntry: Math.round((withEntries - withMarks) / EVENTS),
    dedupeMark: Math.round(withMarks / marks),
    dedupeMarks: marks,
  };

  // (b) age at a steady rate
  await trimBus(client);
  await sleep(500);
  const expected = Math.round(RATE * SECONDS);
  const cpu = [cpuSeconds(fetcher.pid), cpuSeconds(redisPid)];
  const reader = await startBusReader(redis.url, keys);
  const steady = await sandbox.steady({ rate: RATE, seconds: SECONDS, users: USERS, text: TEXT });
  await reader.waitFor(expected, 30_000);
  await reader.stop();
  const ages = agesOf(reader.records);
  const steadyCpu = {
    fetcher: round1((cpuSeconds(fetcher.pid) - (cpu[0] as number)) / SECONDS),
    redis: round1((cpuSeconds(redisPid) - (cpu[1] as number)) / SECONDS),
  };
  const metrics = await fetcher.get('/metrics');
  const misses = metricSum(metrics, 'vkwire_fetcher_resolver_cache_misses_total') - missesAfterWarmup;
  const unresolved = metricSum(metrics, 'vkwire_fetcher_names_unresolved_total');
  const rssEnd = rssBytes(fetcher.pid);
  const exitCode = await fetcher.kill('SIGTERM');

  const sortedRates = rounds.map((round) => round.perSecond).sort((a, b) => a - b);
  const result = {
    scenario: 'fetcher',
    events: EVENTS,
    users: USERS,
    partitions: PARTITIONS,
    throughputPerSecond: sortedRates[sortedRates.length >> 1],
    rounds,
    age: {
      rate: RATE,
      seconds: SECONDS,
      emitted: steady.emitted,
      received: ages.length,
      lateTicks: steady.lateTicks,
      p50Ms: round1(percentile(ages, 50)),
      p90Ms: round1(percentile(ages, 90)),
      p99Ms: round1(percentile(ages, 99)),
      maxMs: round1(ages[ages.length - 1] ?? Number.NaN),
      fetcherCpu: steadyCpu.fetcher,
      redisCpu: steadyCpu.redis,
    },
    redisBytesPerEvent,
    resolverMissesWhileMeasuring: misses,
    namesUnresolved: unresolved,
    fetcherRssMb: { afterThroughput: round1(rssAfterThroughput / 2 ** 20), end: round1(rssEnd / 2 ** 20) },
    fetcherExitCode: exitCode,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map(round1) },
  };
  console.log(JSON.stringify(result));
  console.log(
    `fetcher: ${EVENTS} message_new over ${USERS} conversations, sandbox → fetcher (dist) → Redis: ` +
      `${result.throughputPerSecond} ev/s median of ${ROUNDS} (${rounds.map((r) => r.perSecond).join(' / ')}; goal ≥ 50,000); ` +
      `age at ${RATE} ev/s for ${SECONDS} s: p50 ${result.age.p50Ms} ms, p99 ${result.age.p99Ms} ms, max ${result.age.maxMs} ms ` +
      `(goal p99 < 50 ms; ${ages.length}/${steady.emitted} read); resolver misses while measuring: ${misses}`,
  );
} finally {
  await fetcher.kill('SIGTERM');
  await client.close().catch(() => {});
  await sandbox.stop();
  await destroyManagedRedis(redis);
}
