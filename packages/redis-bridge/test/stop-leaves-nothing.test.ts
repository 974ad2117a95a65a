// Stop means stopped: once a publisher's or a store's close(), or a consumer's stop(), resolved,
// nothing of it is left — no connection to Redis open, no retry or send-wait timer armed, no
// handler called afterwards — with Redis up, and with Redis killed while calls still wait for it.
import { randomUUID } from 'node:crypto';
import type { RateLimitSlot } from '@vkwire/api-client';
import { silentLogger } from '@vkwire/core';
import {
  type LeftResource,
  type ResourceWatch,
  redisUrl,
  stopRedisServer,
  watchResources,
} from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer-index.js';
import { createPublisher } from '../src/bus/publisher-index.js';
import { RedisRateLimiter } from '../src/limiter.js';
import { RedisCheckpointStore, RedisDedupeStore, RedisLease, RedisStorage } from '../src/stores/index.js';
import { deferred, messageEvent, uniqueStream } from './consumer-helpers.js';
import { privateRedis } from './private-redis.js';

const redis = privateRedis();
let watch: ResourceWatch;

beforeEach(() => {
  watch = watchResources();
});

afterEach(() => {
  watch.end();
});

/**
 * Two timers inside node-redis that no caller can clear are left out, each one firing into
 * nothing once the client is closed: the per-command AbortSignal.timeout (5 s by default; its
 * listener is removed once the command is written or the client closes), and the reconnect
 * back-off sleep of a client closed while Redis is down (it wakes, sees the client closed, ends).
 */
const NODE_REDIS_OWN = [
  '@redis/client/dist/lib/client/commands-queue.js',
  '@redis/client/dist/lib/client/socket.js',
];

/** What is left, one line each (where it was made included). */
function lines(left: LeftResource[]): string[] {
  return left
    .filter(
      (item) => !(item.type === 'Timeout' && NODE_REDIS_OWN.some((file) => item.createdAt.includes(file))),
    )
    .map((item) => `${item.type} ${item.detail} @ ${item.createdAt}`);
}

const slot: RateLimitSlot = { key: 'fp', limit: 2, windowMs: 1000, leaseMs: 5000 };
const never = new AbortController().signal;

test('with Redis up: publisher, consumer (claiming), storage, lease, limiter, checkpoint and dedupe stores leave nothing', async () => {
  const url = redisUrl();
  const stream = uniqueStream();
  watch.begin();
  const publisher = await createPublisher({ redis: url, stream, partitions: 2 });
  const handled: string[] = [];
  const first = deferred();
  // A first consumer that dies with an event pending, so the second claims it.
  const crashed = createConsumer({
    redis: url,
    stream,
    partitions: 2,
    group: 'g',
    consumer: 'a',
    logger: silentLogger,
    leaseMs: 300,
    blockMs: 100,
    claimIdleMs: 100,
    stopTimeoutMs: 50,
    handler: async () => {
      first.resolve();
      await new Promise(() => {}); // hangs: stop() abandons it
    },
  });
  await crashed.start();
  await publisher.publish(messageEvent(11, 'one', `e-${randomUUID()}`));
  await first.promise;
  await crashed.stop();
  const consumer = createConsumer({
    redis: url,
    stream,
    partitions: 2,
    group: 'g',
    consumer: 'b',
    logger: silentLogger,
    leaseMs: 300,
    blockMs: 100,
    claimIdleMs: 100,
    handler: (event) => {
      handled.push(event.event_id);
    },
  });
  await consumer.start();
  await publisher.publish(messageEvent(12, 'two', `e-${randomUUID()}`));
  const deadline = Date.now() + 15_000;
  while (handled.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(handled).toHaveLength(2);

  const prefix = `test:${randomUUID()}:`;
  const storage = new RedisStorage<{ n: number }>({ redis: url, prefix });
  await storage.set('k', { n: 1 });
  await storage.get('k');
  const lease = new RedisLease({ redis: url, prefix });
  const grant = await lease.acquire('lock', 1000);
  expect(grant).not.toBeNull();
  await lease.renew('lock', grant?.token ?? '', 1000);
  const limiter = new RedisRateLimiter({ redis: url, prefix });
  (await limiter.acquire(slot, never)).done();
  await limiter.acquire(slot, never);
  const waiting = limiter.acquire(slot, never).then(
    () => 'granted',
    (error: unknown) => (error as Error).name,
  );
  const checkpoints = new RedisCheckpointStore({ redis: url, prefix });
  await checkpoints.save('s', '1');
  await checkpoints.load('s');
  const dedupe = new RedisDedupeStore({ redis: url, prefix });
  await dedupe.claim('e', 1000);

  await Promise.all([
    publisher.close(),
    consumer.stop(),
    storage.close(),
    lease.close(),
    limiter.close(),
    checkpoints.close(),
    dedupe.close(),
  ]);
  expect(await waiting).toBe('RedisStoreClosedError');
  expect(lines(await watch.settle())).toEqual([]);
  const count = handled.length;
  await new Promise((resolve) => setTimeout(resolve, 600)); // twice the consumer's lease
  expect(handled).toHaveLength(count);
});

test('with Redis killed while calls wait for it: every close() and stop() resolves promptly and leaves nothing', async () => {
  const url = redis.server.url;
  const stream = uniqueStream();
  watch.begin();
  const prefix = `test:${randomUUID()}:`;
  // close() waits for the publishes in flight (nothing lost), at most their maxWaitMs.
  const publisher = await createPublisher({
    redis: url,
    stream,
    partitions: 2,
    maxWaitMs: 3000,
    logger: silentLogger,
  });
  const consumer = createConsumer({
    redis: url,
    stream,
    partitions: 2,
    group: 'g',
    logger: silentLogger,
    leaseMs: 300,
    blockMs: 100,
    handler: () => {},
  });
  await consumer.start();
  const storage = new RedisStorage<{ n: number }>({ redis: url, prefix, retryForMs: 10_000 });
  const lease = new RedisLease({ redis: url, prefix, retryForMs: 10_000 });
  const limiter = new RedisRateLimiter({ redis: url, prefix, retryForMs: 10_000 });
  const checkpoints = new RedisCheckpointStore({ redis: url, prefix, retryForMs: 10_000 });
  const dedupe = new RedisDedupeStore({ redis: url, prefix, retryForMs: 10_000 });
  await Promise.all([
    publisher.publish(messageEvent(11, 'one', `e-${randomUUID()}`)),
    storage.set('k', { n: 1 }),
    lease.acquire('lock', 1000),
    limiter.acquire(slot, never).then((grant) => grant.done()),
    checkpoints.save('s', '1'),
    dedupe.claim('e', 1000),
  ]);

  await stopRedisServer(redis.server);
  const settled = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
  // Calls that wait for Redis (the stores' retryForMs is 10 s) when close() comes.
  const pending = [
    settled(publisher.publish(messageEvent(12, 'two', `e-${randomUUID()}`))),
    settled(storage.get('k')),
    settled(lease.acquire('lock2', 1000)),
    settled(limiter.acquire(slot, never)),
    settled(checkpoints.load('s')),
    settled(dedupe.claim('e2', 1000)),
  ];
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  const took: Record<string, number> = {};
  const timed = async (name: string, close: () => Promise<unknown>): Promise<void> => {
    await close();
    took[name] = Date.now() - started;
  };
  await Promise.all([
    timed('publisher', () => publisher.close()),
    timed('consumer', () => consumer.stop()),
    timed('storage', () => storage.close()),
    timed('lease', () => lease.close()),
    timed('limiter', () => limiter.close()),
    timed('checkpoints', () => checkpoints.close()),
    timed('dedupe', () => dedupe.close()),
  ]);
  const outcomes = await Promise.all(pending);
  // The publish gave up at its maxWaitMs; the stores' calls fail as closed, not unavailable later.
  expect(outcomes).toEqual([
    'BusUnavailableError',
    'RedisStoreClosedError',
    'RedisStoreClosedError',
    'RedisStoreClosedError',
    'RedisStoreClosedError',
    'RedisStoreClosedError',
  ]);
  expect(lines(await watch.settle())).toEqual([]);
  // Promptly: the stores and the consumer well within the calls' 10 s wait (the consumer's goodbyes
  // to Redis may wait 1 s to be sent), the publisher once its publish in flight gave up (3 s).
  const { publisher: publisherMs, ...rest } = took;
  expect(Object.keys(rest).sort()).toEqual([
    'checkpoints',
    'consumer',
    'dedupe',
    'lease',
    'limiter',
    'storage',
  ]);
  expect(Object.entries(rest).filter(([, ms]) => (ms as number) >= 2500)).toEqual([]);
  expect(publisherMs).toBeLessThan(5000);
});

test('a publisher on a client of yours that you destroy while a publish waits for a killed Redis: the publish fails at once, close() resolves, nothing is left', async () => {
  const stream = uniqueStream();
  watch.begin();
  const client = createClient({ url: redis.server.url });
  client.on('error', () => {});
  await client.connect();
  const publisher = await createPublisher({
    redis: client as unknown as RedisClientType,
    stream,
    partitions: 2,
    maxWaitMs: 600_000,
    logger: silentLogger,
  });
  await publisher.publish(messageEvent(11, 'one', `e-${randomUUID()}`));
  await stopRedisServer(redis.server);
  const pending = publisher.publish(messageEvent(12, 'two', `e-${randomUUID()}`)).then(
    () => 'resolved',
    (error: unknown) => (error as Error).name,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  // The owner of the client cuts it (as a service does when its shutdown runs out of time).
  client.destroy();
  const started = Date.now();
  const outcome = await pending;
  await publisher.close();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(outcome).not.toBe('resolved');
  expect(lines(await watch.settle())).toEqual([]);
});
