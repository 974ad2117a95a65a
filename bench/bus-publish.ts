/**
 * Normalized events/s published to the Redis bus by @vkwire/redis-bridge's `createPublisher`, next
 * to a plain node-redis loop of pipelined XADDs of the same payloads, in the same run and against the
 * same redis-server:
 *   plain      XADD stream * ...5 fields for each event (serializeEvent included), 1000 at a time
 *              through node-redis's explicit pipeline (multi().execAsPipeline())
 *   dedupe off publisher.publish(answer of 100 events), 10 answers in flight: partitioned, the
 *              XADDs of one partition in one script call
 *   dedupe on  the same with dedupe (one Lua script per partition per answer: mark + XADD)
 *   single     dedupe on, one event per publish call, 1000 calls in flight (a script call per event)
 * Events: message_new normalized with normalizeSync (~1 KB of JSON each), over 1000 conversations,
 * 16 partitions. Scenarios run interleaved, round after round (the first round is a warm-up, and
 * the server is flushed before each scenario); a figure is the median over the other rounds.
 *
 * Redis: REDIS_URL if set (it is flushed!), else a private redis-server (no persistence) on
 * loopback, started and removed by this script.
 *
 *   pnpm --filter @vkwire/bench bus-publish [--events 100000] [--rounds 4]
 */
import { parseArgs } from 'node:util';
import { serializeEvent, type VkwireEvent } from '@vkwire/events-schema';
// Relative until the lead re-exports the publisher from @vkwire/redis-bridge's index.
import { createPublisher } from '@vkwire/redis-bridge';
import { destroyManagedRedis, launchManagedRedis, type ManagedRedisServer } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { benchMessageEvent } from './lib/bus-events.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '4' } },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const PER_ANSWER = 100;
const ANSWERS_IN_FLIGHT = 10;
const PLAIN_IN_FLIGHT = PER_ANSWER * ANSWERS_IN_FLIGHT;
const CONVERSATIONS = 1000;
const PARTITIONS = 16;

/** A message_new of one of 1000 users, ~1.3 KB of event JSON. */
function event(index: number): VkwireEvent {
  return benchMessageEvent(index, CONVERSATIONS);
}

/** The plain loop: node-redis's own pipeline (`multi().execAsPipeline()`), 1000 XADDs a round trip. */
async function plainLoop(client: RedisClientType, events: readonly VkwireEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += PLAIN_IN_FLIGHT) {
    const pipeline = client.multi();
    for (const item of events.slice(start, start + PLAIN_IN_FLIGHT))
      pipeline.addCommand([
        'XADD',
        'plain',
        '*',
        'event_id',
        item.event_id,
        'event_type',
        item.event_type,
        'peer',
        String(item.peer?.bpid ?? ''),
        'v',
        '1',
        'data',
        serializeEvent(item),
      ]);
    await pipeline.execAsPipeline();
  }
}

async function publisherLoop(
  url: string,
  events: readonly VkwireEvent[],
  dedupe: boolean,
  perCall = PER_ANSWER,
): Promise<void> {
  const publisher = await createPublisher({ redis: url, stream: 'bench', partitions: PARTITIONS, dedupe });
  let next = 0;
  const lane = async () => {
    while (next < events.length) {
      const start = next;
      next += perCall;
      await publisher.publish(
        perCall === 1 ? (events[start] as VkwireEvent) : events.slice(start, start + perCall),
      );
    }
  };
  await Promise.all(Array.from({ length: PLAIN_IN_FLIGHT / perCall }, lane));
  await publisher.close();
}

function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const external = process.env.REDIS_URL;
const server: ManagedRedisServer | undefined = external ? undefined : await launchManagedRedis();
const url = external || (server as ManagedRedisServer).url;
try {
  const events = Array.from({ length: EVENTS }, (_, index) => event(index));
  const bytes = Math.round(
    events.reduce((sum, item) => sum + Buffer.byteLength(serializeEvent(item)), 0) / EVENTS,
  );
  const client = createClient({ url }) as RedisClientType;
  await client.connect();
  const scenarios = {
    plain: () => plainLoop(client, events),
    dedupeOff: () => publisherLoop(url, events, false),
    dedupeOn: () => publisherLoop(url, events, true),
    singleDedupeOn: () => publisherLoop(url, events, true, 1),
  };
  const rates: Record<keyof typeof scenarios, number[]> = {
    plain: [],
    dedupeOff: [],
    dedupeOn: [],
    singleDedupeOn: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(scenarios) as (keyof typeof scenarios)[]) {
      await client.flushAll();
      const started = performance.now();
      await scenarios[name]();
      const seconds = (performance.now() - started) / 1000;
      if (round > 0) rates[name].push(EVENTS / seconds);
    }
  }
  await client.flushAll();
  await client.close();
  const plain = median(rates.plain);
  const off = median(rates.dedupeOff);
  const on = median(rates.dedupeOn);
  const single = median(rates.singleDedupeOn);
  const result = {
    scenario: 'bus-publish',
    events: EVENTS,
    rounds: ROUNDS - 1,
    eventBytes: bytes,
    plainPerSecond: Math.round(plain),
    dedupeOffPerSecond: Math.round(off),
    dedupeOnPerSecond: Math.round(on),
    dedupeOffRatio: Number((off / plain).toFixed(3)),
    dedupeOnRatio: Number((on / plain).toFixed(3)),
    singleDedupeOnPerSecond: Math.round(single),
    singleDedupeOnRatio: Number((single / plain).toFixed(3)),
    roundsPerSecond: Object.fromEntries(
      Object.entries(rates).map(([name, list]) => [name, list.map(Math.round)]),
    ),
  };
  console.log(JSON.stringify(result));
  console.log(
    `bus-publish: ${EVENTS} events of ~${bytes} B — plain XADD loop ${result.plainPerSecond} ev/s; ` +
      `publisher dedupe off ${result.dedupeOffPerSecond} ev/s (${result.dedupeOffRatio}×, goal ≥ 0.9), ` +
      `dedupe on ${result.dedupeOnPerSecond} ev/s (${result.dedupeOnRatio}×, goal ≥ 0.6); ` +
      `one event per call, dedupe on, 1000 calls in flight: ${result.singleDedupeOnPerSecond} ev/s (${result.singleDedupeOnRatio}×)`,
  );
} finally {
  if (server) await destroyManagedRedis(server);
}
