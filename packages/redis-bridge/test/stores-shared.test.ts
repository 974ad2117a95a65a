import { randomUUID } from 'node:crypto';
import { redisUrl } from '@vkwire/testing';
import { waitPast } from '@vkwire/testing/contracts';
import { createClient } from 'redis';
import { afterEach, expect, test } from 'vitest';
import { connectRedis } from '../src/connection.js';
import {
  isRedisHandle,
  RedisCheckpointStore,
  RedisDedupeStore,
  RedisLease,
  RedisStorage,
} from '../src/stores/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
function track<T extends { close(): Promise<unknown> }>(item: T): T {
  closers.push(() => item.close());
  return item;
}
const prefix = () => `test:${randomUUID()}:`;

test('two processes sharing a prefix see one dedupe memory: the second gets in_progress, then done', async () => {
  const shared = prefix();
  const first = track(new RedisDedupeStore({ redis: redisUrl(), prefix: shared }));
  const second = track(new RedisDedupeStore({ redis: redisUrl(), prefix: shared }));
  const claim = await first.claim('218734561:ev1', 10_000);
  if (claim.state !== 'claimed') throw new Error('expected a claim');
  expect(await second.claim('218734561:ev1', 10_000)).toEqual({ state: 'in_progress' });
  expect(await second.release('218734561:ev1', claim.owner.replace(/.$/, '?'))).toBe(false);
  expect(await first.complete('218734561:ev1', claim.owner, 60_000)).toBe(true);
  expect(await second.claim('218734561:ev1', 10_000)).toEqual({ state: 'done' });
});

test('a checkpoint saved by one process is loaded by the next one, under the prefix only', async () => {
  const shared = prefix();
  const before = track(new RedisCheckpointStore({ redis: redisUrl(), prefix: shared }));
  await before.save('group:1', '1234');
  await before.close();
  const after = track(new RedisCheckpointStore({ redis: redisUrl(), prefix: shared }));
  expect(await after.load('group:1')).toBe('1234');
  const elsewhere = track(new RedisCheckpointStore({ redis: redisUrl(), prefix: prefix() }));
  expect(await elsewhere.load('group:1')).toBeUndefined();
  const redis = await connectRedis(redisUrl(), 'test');
  expect(await redis.run(`${shared}checkpoint:group:1`, ['GET', `${shared}checkpoint:group:1`])).toBe('1234');
  await redis.close();
});

test('of two workers writing the same version, exactly one wins', async () => {
  const shared = prefix();
  const workers = [0, 1, 2, 3].map(() =>
    track(new RedisStorage<number>({ redis: redisUrl(), prefix: shared })),
  );
  await workers[0]?.set('session', 0);
  const read = await workers[0]?.get('session');
  const wins = await Promise.all(
    workers.map((worker, index) => worker.set('session', index + 1, { ifVersion: read?.version ?? -1 })),
  );
  expect(wins.filter(Boolean)).toHaveLength(1);
});

test('a deleted key keeps its version for versionRetentionMs, then versions may start again', async () => {
  const storage = track(new RedisStorage({ redis: redisUrl(), prefix: prefix(), versionRetentionMs: 100 }));
  await storage.set('a', 1);
  await storage.set('a', 2);
  await storage.delete('a');
  await storage.set('a', 3);
  expect((await storage.get('a'))?.version).toBe(3);
  await storage.delete('a');
  await waitPast(100);
  await storage.set('a', 4);
  expect((await storage.get('a'))?.version).toBe(1);
});

test('fences keep growing even after the lease key expired from Redis', async () => {
  const lease = track(new RedisLease({ redis: redisUrl(), prefix: prefix(), fenceRetentionMs: 50 }));
  const first = await lease.acquire('job', 50);
  if (!first) throw new Error('expected the lease');
  await waitPast(150);
  const second = await lease.acquire('job', 10_000);
  expect(second?.fence).toBeGreaterThan(first.fence);
});

test('a lease held by one process is refused to another until released', async () => {
  const shared = prefix();
  const [one, two] = [0, 1].map(() => track(new RedisLease({ redis: redisUrl(), prefix: shared })));
  const grant = await one?.acquire('longpoll:1', 10_000);
  if (!grant) throw new Error('expected the lease');
  expect(await two?.acquire('longpoll:1', 10_000)).toBeNull();
  expect(await two?.renew('longpoll:1', 'not-the-token', 10_000)).toBe(false);
  expect(await one?.release('longpoll:1', grant.token)).toBe(true);
  expect(await two?.acquire('longpoll:1', 10_000)).not.toBeNull();
});

test('stores given one handle share it, and their close() leaves it open', async () => {
  const redis = await connectRedis(redisUrl(), 'test');
  closers.push(() => redis.close());
  expect(isRedisHandle(redis)).toBe(true);
  expect(isRedisHandle(redisUrl())).toBe(false);
  const dedupe = new RedisDedupeStore({ redis, prefix: prefix() });
  const storage = new RedisStorage({ redis, prefix: prefix() });
  await dedupe.claim('k', 1000);
  await storage.set('k', 1);
  await dedupe.close();
  await storage.close();
  expect(await redis.run(undefined, ['PING'])).toBe('PONG');
});

test("a client of the user's stays open after the store closes; the store refuses calls after close()", async () => {
  const client = createClient({ url: redisUrl() });
  await client.connect();
  closers.push(() => client.close());
  expect(isRedisHandle(client)).toBe(false);
  const checkpoints = new RedisCheckpointStore({ redis: client as never, prefix: prefix() });
  await checkpoints.save('s', '1');
  await checkpoints.close();
  expect(await client.ping()).toBe('PONG');
  await expect(checkpoints.load('s')).rejects.toMatchObject({
    name: 'RedisStoreClosedError',
    code: 'closed',
  });
});

test('bad options are VkwireConfigErrors naming the option', async () => {
  expect(() => new RedisDedupeStore({ redis: redisUrl(), prefix: 7 as never })).toThrow(
    expect.objectContaining({ code: 'invalid_option', option: 'prefix' }),
  );
  expect(() => new RedisDedupeStore({} as never)).toThrow(expect.objectContaining({ option: 'redis' }));
  const dedupe = track(new RedisDedupeStore({ redis: redisUrl(), prefix: prefix() }));
  await expect(dedupe.claim('k', 0)).rejects.toMatchObject({ option: 'leaseMs' });
  const storage = track(new RedisStorage({ redis: redisUrl(), prefix: prefix() }));
  await expect(storage.set('k', undefined)).rejects.toMatchObject({ option: 'value' });
  await expect(storage.set('k', 1, { ifVersion: -1 })).rejects.toMatchObject({ option: 'ifVersion' });
  const checkpoints = track(new RedisCheckpointStore({ redis: 'http://nope', prefix: prefix() }));
  await expect(checkpoints.load('s')).rejects.toMatchObject({ option: 'redis' });
});
