/**
 * A publisher of @vkwire/redis-bridge through a 10 s Redis outage under a steady publish load: does
 * its memory stay bounded (by `maxBuffered`), and does every publish it accepted reach the stream
 * once Redis is back?
 *
 * A private redis-server (AOF, appendfsync always: what Redis acknowledged survives its restart), one
 * publisher (dedupe on, 16 partitions), and a producer offering `--rate` normalized message_new a
 * second (~1.3 KB of JSON each, 1000 conversations) in publish calls of `--per-call`, not waiting for
 * one call before the next (a webhook receiver's load keeps coming while Redis is away). Redis is
 * stopped at `--down-at` s and started again at `--up-at` s; the producer stops at `--end-at` s,
 * then every call is awaited and the stream read back.
 *
 * process.memoryUsage() (heapUsed, rss) is sampled every 250 ms; a forced full GC just before the
 * stop, just before the start and after the drain gives the heap the run really retains then.
 * Counted by event: offered, accepted (not rejected at once), acknowledged (the call resolved),
 * rejected with BusUnavailableError `max_buffered` (at once) or `max_wait` (later), present in the
 * stream, lost (acknowledged, not in the stream), duplicates (in the stream more than once).
 *
 * Needs redis-server on PATH (it is stopped and started, so REDIS_URL is not used).
 *
 *   pnpm --filter @vkwire/bench bus-outage [--rate 5000] [--per-call 100] [--max-buffered 20000]
 *     [--down-at 5] [--up-at 15] [--end-at 25]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '@vkwire/core';
import type { VkwireEvent } from '@vkwire/events-schema';
import { BusUnavailableError, createPublisher, partitionKey } from '@vkwire/redis-bridge';
import { destroyManagedRedis, launchManagedRedis, startRedisServer, stopRedisServer } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { benchEventIndex, benchMessageEvent } from './lib/bus-events.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    'per-call': { type: 'string', default: '100' },
    'max-buffered': { type: 'string', default: '20000' },
    'down-at': { type: 'string', default: '5' },
    'up-at': { type: 'string', default: '15' },
    'end-at': { type: 'string', default: '25' },
  },
});
const RATE = Number(values.rate);
const PER_CALL = Number(values['per-call']);
const MAX_BUFFERED = Number(values['max-buffered']);
const DOWN_AT = Number(values['down-at']) * 1000;
const UP_AT = Number(values['up-at']) * 1000;
const END_AT = Number(values['end-at']) * 1000;
const CONVERSATIONS = 1000;
const PARTITIONS = 16;
const STREAM = 'outage';
const SAMPLE_MS = 250;
const TICK_MS = 10;

// A forced full GC at the checkpoints: without it a heap figure is mostly where the GC cycle was.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What became of each event, by its index. */
enum Fate {
  Pending = 1,
  Acked = 2,
  AckedDuplicate = 3,
  RejectedBuffered = 4,
  RejectedWait = 5,
  RejectedOther = 6,
}

interface Sample {
  t: number;
  heapUsed: number;
  rss: number;
  /** Entries accepted and not yet settled: what the publisher holds. */
  buffered: number;
  /** Entries acknowledged so far. */
  acked: number;
}

const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));
const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

/** XRANGE of a partition, returning only the event_ids (the 1.3 KB payloads stay in Redis). */
const EVENT_IDS = `
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local ids = {}
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'event_id' then ids[#ids + 1] = fields[i + 1] break end
  end
end
local last = ''
if #entries > 0 then last = entries[#entries][1] end
return { last, ids }`;

/** How many times each event index is in the stream. */
async function streamCounts(
  url: string,
  size: number,
): Promise<{ counts: Uint8Array; entries: number; aofRewrites: number }> {
  const client = createClient({ url }) as RedisClientType;
  await client.connect();
  const counts = new Uint8Array(size);
  let entries = 0;
  let aofRewrites = 0;
  try {
    const persistence = String(await client.sendCommand(['INFO', 'persistence']));
    aofRewrites = Number(/aof_rewrites:(\d+)/.exec(persistence)?.[1] ?? 0);
    for (let n = 0; n < PARTITIONS; n++) {
      const key = partitionKey({ stream: STREAM, partitions: PARTITIONS }, n);
      for (let start = '-'; ; ) {
        const [last, ids] = (await client.sendCommand(['EVAL', EVENT_IDS, '1', key, start, '10000'])) as [
          string,
          string[],
        ];
        if (last === '') break;
        for (const id of ids) {
          const index = benchEventIndex(id);
          entries++;
          if (index >= 0 && index < size) counts[index] = Math.min(255, (counts[index] as number) + 1);
        }
        start = `(${last}`;
      }
    }
  } finally {
    await client.close();
  }
  return { counts, entries, aofRewrites };
}

const server = await launchManagedRedis({ persistence: 'aof-always' });
try {
  const logLines: { t: number; level: string; message: string; acked: number }[] = [];
  let acked = 0;
  let t0 = performance.now();
  const now = () => performance.now() - t0;
  const record =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void => {
      logLines.push({ t: now(), level, message: message ?? JSON.stringify(fields), acked });
    };
  const logger: Logger = {
    debug: () => {},
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const publisher = await createPublisher({
    redis: server.url,
    stream: STREAM,
    partitions: PARTITIONS,
    dedupe: true,
    maxBuffered: MAX_BUFFERED,
    logger,
  });

  // Room for every event the producer can offer, with slack for its catch-up after a stall.
  const capacity = Math.ceil((RATE * END_AT) / 1000) + PER_CALL * 10;
  const fate = new Uint8Array(capacity);
  let offered = 0;
  let buffered = 0;
  let peakBuffered = 0;
  const calls = new Set<Promise<void>>();
  const beforeUp = new Set<Promise<void>>();
  let reportedDuplicates = 0;

  /** Builds the events of one call; kept out of the callbacks' scope so they do not retain them. */
  function eventsFrom(first: number): VkwireEvent[] {
    return Array.from({ length: PER_CALL }, (_, k) => benchMessageEvent(first + k, CONVERSATIONS));
  }

  function offer(): void {
    const first = offered;
    offered += PER_CALL;
    fate.fill(Fate.Pending, first, first + PER_CALL);
    buffered += PER_CALL;
    const call = publisher.publish(eventsFrom(first)).then(
      (result) => {
        for (const entry of result.entries) {
          const index = benchEventIndex(entry.eventId);
          fate[index] = entry.duplicate ? Fate.AckedDuplicate : Fate.Acked;
          acked++;
          if (entry.duplicate) reportedDuplicates++;
        }
      },
      (error: unknown) => {
        const reason = error instanceof BusUnavailableError ? error.reason : undefined;
        fate.fill(
          reason === 'max_buffered'
            ? Fate.RejectedBuffered
            : reason === 'max_wait'
              ? Fate.RejectedWait
              : Fate.RejectedOther,
          first,
          first + PER_CALL,
        );
        if (reason === undefined) console.error('bus-outage: publish failed:', error);
      },
    );
    const settled = call.then(() => {
      buffered -= PER_CALL;
      calls.delete(settled);
      beforeUp.delete(settled);
    });
    calls.add(settled);
    if (now() < UP_AT) beforeUp.add(settled);
    if (buffered > peakBuffered) peakBuffered = buffered;
  }

  const samples: Sample[] = [];
  const sample = () => {
    const { heapUsed, rss } = process.memoryUsage();
    samples.push({ t: now(), heapUsed, rss, buffered, acked });
  };
  const retained: Record<string, { t: number; heapUsed: number; rss: number; buffered: number }> = {};
  const checkpoint = (name: string) => {
    gc();
    const { heapUsed, rss } = process.memoryUsage();
    retained[name] = { t: seconds(now()), heapUsed: mb(heapUsed), rss: mb(rss), buffered };
  };

  gc();
  t0 = performance.now();
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);
  // The offered rate is kept on average: a late tick offers what the previous ones owed.
  const producer = setInterval(() => {
    const due = Math.min(Math.floor((RATE * Math.min(now(), END_AT)) / 1000), capacity);
    while (offered + PER_CALL <= due) offer();
  }, TICK_MS);

  const at = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - now())));
  const timeline: Record<string, number> = {};

  await at(DOWN_AT - 50);
  checkpoint('beforeOutage');
  await at(DOWN_AT);
  timeline.stopAsked = seconds(now());
  await stopRedisServer(server);
  timeline.redisDown = seconds(now());
  await at(UP_AT - 50);
  checkpoint('endOfOutage');
  await at(UP_AT);
  timeline.startAsked = seconds(now());
  let ackedAtSettled = 0;
  const caughtUp = (async () => {
    // Every call accepted while Redis was down (or before) has settled.
    await Promise.all([...beforeUp]);
    timeline.outageBacklogSettled = seconds(now());
    ackedAtSettled = acked;
  })();
  await startRedisServer(server);
  timeline.redisUp = seconds(now());
  // Half-way through the recovery: what of the heap is live while the backlog is written.
  await at((UP_AT + END_AT) / 2);
  checkpoint('recovery');
  await at(END_AT);
  clearInterval(producer);
  timeline.producerStopped = seconds(now());
  await caughtUp;
  await Promise.all([...calls]);
  timeline.allSettled = seconds(now());
  clearInterval(sampler);
  sample();
  await publisher.close();
  checkpoint('afterDrain');

  const { counts, entries, aofRewrites } = await streamCounts(server.url, capacity);
  // From the publisher's first acknowledgement after the outage to the last call of the backlog.
  const reconnect = logLines.find((line) => line.level === 'info' && line.t > DOWN_AT);
  const settledAt = (timeline.outageBacklogSettled ?? 0) * 1000;
  const recovery =
    reconnect === undefined
      ? null
      : {
          acknowledgingAgainAt: seconds(reconnect.t),
          afterRedisUpMs: Math.round(reconnect.t - (timeline.redisUp ?? 0) * 1000),
          backlogSettledAt: seconds(settledAt),
          ackedPerSecond:
            settledAt > reconnect.t
              ? Math.round(((ackedAtSettled - reconnect.acked) * 1000) / (settledAt - reconnect.t))
              : null,
        };
  const byFate = new Map<number, number>();
  let lost = 0;
  let duplicates = 0;
  let present = 0;
  let rejectedButPresent = 0;
  let waitRejectedPresent = 0;
  for (let index = 0; index < offered; index++) {
    const kind = fate[index] as number;
    byFate.set(kind, (byFate.get(kind) ?? 0) + 1);
    const count = counts[index] as number;
    if (count > 0) present++;
    if (count > 1) duplicates += count - 1;
    if ((kind === Fate.Acked || kind === Fate.AckedDuplicate) && count === 0) lost++;
    if (kind === Fate.RejectedBuffered && count > 0) rejectedButPresent++;
    if (kind === Fate.RejectedWait && count > 0) waitRejectedPresent++;
  }
  const fateCount = (kind: Fate) => byFate.get(kind) ?? 0;

  const peak = (from: number, to: number, field: 'heapUsed' | 'rss') =>
    mb(Math.max(0, ...samples.filter((s) => s.t >= from && s.t < to).map((s) => s[field])));
  const result = {
    scenario: 'bus-outage',
    rate: RATE,
    perCall: PER_CALL,
    maxBuffered: MAX_BUFFERED,
    partitions: PARTITIONS,
    dedupe: true,
    persistence: 'aof appendfsync always',
    timeline,
    recovery,
    redisAofRewrites: aofRewrites,
    events: {
      offered,
      accepted: offered - fateCount(Fate.RejectedBuffered),
      acknowledged: fateCount(Fate.Acked) + fateCount(Fate.AckedDuplicate),
      acknowledgedAsDuplicate: reportedDuplicates,
      rejectedMaxBuffered: fateCount(Fate.RejectedBuffered),
      rejectedMaxWait: fateCount(Fate.RejectedWait),
      rejectedOther: fateCount(Fate.RejectedOther),
      unsettled: fateCount(Fate.Pending),
      streamEntries: entries,
      presentInStream: present,
      lost,
      duplicatesInStream: duplicates,
      rejectedMaxBufferedButPresent: rejectedButPresent,
      rejectedMaxWaitButPresent: waitRejectedPresent,
    },
    peakBuffered,
    memoryMB: {
      peakHeapBefore: peak(0, DOWN_AT, 'heapUsed'),
      peakHeapOutage: peak(DOWN_AT, UP_AT, 'heapUsed'),
      peakHeapRecovery: peak(UP_AT, Number.POSITIVE_INFINITY, 'heapUsed'),
      peakRssBefore: peak(0, DOWN_AT, 'rss'),
      peakRssOutage: peak(DOWN_AT, UP_AT, 'rss'),
      peakRssRecovery: peak(UP_AT, Number.POSITIVE_INFINITY, 'rss'),
      afterGc: retained,
      retainedPerBufferedEntryKB:
        retained.endOfOutage && retained.beforeOutage && retained.endOfOutage.buffered > 0
          ? Number(
              (
                ((retained.endOfOutage.heapUsed - retained.beforeOutage.heapUsed) * 1024) /
                (retained.endOfOutage.buffered - retained.beforeOutage.buffered)
              ).toFixed(2),
            )
          : null,
    },
    samplesFields: ['t s', 'heapUsed MB', 'rss MB', 'buffered', 'acked'],
    samples: samples.map((s) => [seconds(s.t), mb(s.heapUsed), mb(s.rss), s.buffered, s.acked]),
    publisherLog: logLines.map((line) => ({ ...line, t: seconds(line.t) })),
  };
  console.log(JSON.stringify(result));
  const e = result.events;
  const m = result.memoryMB;
  const r = retained;
  console.log(
    `bus-outage: ${RATE} ev/s offered in calls of ${PER_CALL}, maxBuffered ${MAX_BUFFERED}, Redis down ` +
      `${timeline.redisDown}–${timeline.redisUp} s (AOF always). heapUsed peak ${m.peakHeapBefore} MB before, ` +
      `${m.peakHeapOutage} MB in the outage, ${m.peakHeapRecovery} MB after; after a full GC ` +
      `${r.beforeOutage?.heapUsed} MB before, ${r.endOfOutage?.heapUsed} MB at the outage's end ` +
      `(${r.endOfOutage?.buffered} entries buffered, ${m.retainedPerBufferedEntryKB} KB each), ` +
      `${r.recovery?.heapUsed} MB in the recovery, ${r.afterDrain?.heapUsed} MB after the drain; rss peak ` +
      `${m.peakRssBefore} / ${m.peakRssOutage} / ${m.peakRssRecovery} MB. Events: ${e.offered} offered, ` +
      `${e.accepted} accepted, ${e.acknowledged} acknowledged (${e.acknowledgedAsDuplicate} as duplicates), ` +
      `${e.rejectedMaxBuffered} rejected max_buffered, ` +
      `${e.rejectedMaxWait} max_wait, ${e.rejectedOther} other; ${e.presentInStream} in the stream ` +
      `(${e.streamEntries} entries): ${e.lost} lost, ${e.duplicatesInStream} duplicates. Acknowledging again ` +
      `${recovery?.afterRedisUpMs} ms after Redis was up; backlog written by ${timeline.outageBacklogSettled} s ` +
      `(${recovery?.ackedPerSecond} ev/s)`,
  );
  if (e.lost > 0 || e.duplicatesInStream > 0 || e.rejectedMaxBufferedButPresent > 0 || e.unsettled > 0)
    process.exitCode = 1;
} finally {
  await destroyManagedRedis(server);
}
