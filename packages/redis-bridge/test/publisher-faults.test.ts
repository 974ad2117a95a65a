// The publisher through Redis restarts and outages. This file runs a redis-server of its own (AOF,
// appendfsync always: what Redis acknowledged survives a restart), so stopping it disturbs no
// other test file of the run.

import { silentLogger } from '@vkwire/core';
import { startRedisServer, stopRedisServer } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { expect, test } from 'vitest';
import { partitionKey } from '../src/bus/layout.js';
import { BusUnavailableError, createPublisher, type Publisher } from '../src/bus/publisher-index.js';
import { privateRedis } from './private-redis.js';
import { messageEvent, uniqueName } from './publisher-events.js';

const redis = privateRedis();

/** The event_id of every entry of a bus. */
async function eventIds(stream: string, partitions: number): Promise<string[]> {
  const client = createClient({ url: redis.server.url }) as RedisClientType;
  await client.connect();
  try {
    const ids: string[] = [];
    for (let n = 0; n < partitions; n++) {
      const reply = (await client.sendCommand([
        'XRANGE',
        partitionKey({ stream, partitions }, n),
        '-',
        '+',
      ])) as [string, string[]][];
      for (const [, fields] of reply) ids.push(fields[fields.indexOf('event_id') + 1] as string);
    }
    return ids;
  } finally {
    await client.close();
  }
}

/** Resolves when `count` reaches `target` (checked by `bump`). */
function counter() {
  let count = 0;
  const waiters: { target: number; resolve: () => void }[] = [];
  return {
    get count() {
      return count;
    },
    bump(by: number) {
      count += by;
      for (const waiter of waiters.filter((w) => count >= w.target)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    reaches(target: number): Promise<void> {
      if (count >= target) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ target, resolve }));
    },
  };
}

async function publishUnderRestart(dedupe: boolean): Promise<{ acked: string[]; stored: string[] }> {
  const stream = uniqueName('faults:restart');
  const publisher = await createPublisher({
    redis: redis.server.url,
    stream,
    partitions: 4,
    dedupe,
    logger: silentLogger,
  });
  const acked: string[] = [];
  const progress = counter();
  let running = true;
  const loop = async (worker: number) => {
    for (let round = 0; running; round++) {
      const events = Array.from({ length: 5 }, (_, index) =>
        messageEvent(1000 + ((worker * 5 + index) % 37), `w${worker}-r${round}-${index}`),
      );
      const result = await publisher.publish(events);
      for (const entry of result.entries) acked.push(entry.eventId);
      progress.bump(events.length);
    }
  };
  const loops = Array.from({ length: 8 }, (_, worker) => loop(worker));
  await progress.reaches(500);
  await stopRedisServer(redis.server);
  const before = progress.count;
  await startRedisServer(redis.server);
  await progress.reaches(before + 500);
  running = false;
  await Promise.all(loops);
  await publisher.close();
  return { acked, stored: await eventIds(stream, 4) };
}

test('Redis restarted under load, dedupe on: every acknowledged event is on the bus exactly once', async () => {
  const { acked, stored } = await publishUnderRestart(true);
  expect(acked.length).toBeGreaterThanOrEqual(1000);
  expect(new Set(acked).size).toBe(acked.length);
  // 0 lost, 0 duplicates.
  expect([...stored].sort()).toEqual([...acked].sort());
});

test('Redis restarted under load, dedupe off: nothing acknowledged is lost (duplicates are allowed)', async () => {
  const { acked, stored } = await publishUnderRestart(false);
  const present = new Set(stored);
  expect(acked.filter((id) => !present.has(id))).toEqual([]);
});

test('order per conversation holds through a restart, with many calls of one conversation in flight', async () => {
  const stream = uniqueName('faults:order');
  const publisher = await createPublisher({
    redis: redis.server.url,
    stream,
    partitions: 4,
    logger: silentLogger,
  });
  const peers = Array.from({ length: 10 }, (_, index) => 5000 + index);
  const calls: Promise<unknown>[] = [];
  const progress = counter();
  let restarted: Promise<void> | undefined;
  // 2000 calls, 50 a turn, none awaited before the next: many of each conversation in flight.
  for (let sequence = 0; sequence < 200; sequence++) {
    for (const peer of peers)
      calls.push(
        publisher
          .publish(messageEvent(peer, `${peer}-${sequence}`, String(sequence)))
          .then(() => progress.bump(1)),
      );
    if (sequence % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    if (sequence === 60)
      restarted = progress.reaches(100).then(async () => {
        await stopRedisServer(redis.server);
        await startRedisServer(redis.server);
      });
  }
  await Promise.all(calls);
  await restarted;
  await publisher.close();

  const client = createClient({ url: redis.server.url }) as RedisClientType;
  await client.connect();
  const texts = new Map<string, number[]>();
  for (let n = 0; n < 4; n++) {
    const reply = (await client.sendCommand([
      'XRANGE',
      partitionKey({ stream, partitions: 4 }, n),
      '-',
      '+',
    ])) as [string, string[]][];
    for (const [, fields] of reply) {
      const peer = fields[fields.indexOf('peer') + 1] as string;
      const id = fields[fields.indexOf('event_id') + 1] as string;
      texts.set(peer, [...(texts.get(peer) ?? []), Number(id.split('-')[1])]);
    }
  }
  await client.close();
  for (const peer of peers)
    expect(texts.get(String(peer))).toEqual(Array.from({ length: 200 }, (_, index) => index));
});

test('Redis down for 10 s, within maxWaitMs: publish waits and resolves once Redis is back', async () => {
  const stream = uniqueName('faults:down');
  const publisher = await createPublisher({
    redis: redis.server.url,
    stream,
    partitions: 2,
    logger: silentLogger,
  });
  await stopRedisServer(redis.server);
  let settled = false;
  const call = publisher.publish([messageEvent(1, 'during-outage-1'), messageEvent(2, 'during-outage-2')]);
  void call.finally(() => {
    settled = true;
  });
  // The outage's length is what this test is about.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  expect(settled).toBe(false);
  await startRedisServer(redis.server);
  const result = await call;
  await publisher.close();
  expect(result.written).toBe(2);
  expect((await eventIds(stream, 2)).sort()).toEqual(['during-outage-1', 'during-outage-2']);
}, 40_000);

test('Redis down past maxWaitMs: publish rejects with BusUnavailableError (max_wait)', async () => {
  const stream = uniqueName('faults:timeout');
  const publisher = await createPublisher({
    redis: redis.server.url,
    stream,
    partitions: 2,
    maxWaitMs: 1_000,
    logger: silentLogger,
  });
  await stopRedisServer(redis.server);
  const started = Date.now();
  const call = publisher.publish(messageEvent(1, 'too-late'));
  await expect(call).rejects.toBeInstanceOf(BusUnavailableError);
  await expect(call).rejects.toMatchObject({ code: 'bus_unavailable', reason: 'max_wait', limit: 1_000 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  expect(Date.now() - started).toBeLessThan(5_000);
  await startRedisServer(redis.server);
  await publisher.close();
});

test('more than maxBuffered entries waiting for Redis: the call that passes it rejects at once (max_buffered)', async () => {
  const stream = uniqueName('faults:buffered');
  const publisher: Publisher = await createPublisher({
    redis: redis.server.url,
    stream,
    partitions: 2,
    maxBuffered: 3,
    logger: silentLogger,
  });
  await stopRedisServer(redis.server);
  const waiting = publisher.publish([messageEvent(1, 'b1'), messageEvent(1, 'b2')]);
  await expect(publisher.publish([messageEvent(1, 'b3'), messageEvent(1, 'b4')])).rejects.toMatchObject({
    name: 'BusUnavailableError',
    reason: 'max_buffered',
    limit: 3,
  });
  await startRedisServer(redis.server);
  expect((await waiting).written).toBe(2);
  // The bound counts entries waiting, not entries ever published: there is room again.
  expect((await publisher.publish([messageEvent(1, 'b5'), messageEvent(1, 'b6')])).written).toBe(2);
  await publisher.close();
  expect((await eventIds(stream, 2)).sort()).toEqual(['b1', 'b2', 'b5', 'b6']);
});

test('close() during an outage waits for the publishes in flight to be acknowledged', async () => {
  const stream = uniqueName('faults:close');
  const publisher = await createPublisher({
    redis: redis.server.url,
    stream,
    partitions: 2,
    logger: silentLogger,
  });
  await stopRedisServer(redis.server);
  const call = publisher.publish(messageEvent(1, 'flushed'));
  const closing = publisher.close();
  await startRedisServer(redis.server);
  await closing;
  expect((await call).written).toBe(1);
  expect(await eventIds(stream, 2)).toEqual(['flushed']);
});
