// Stores and the limiter across a Redis restart, on a private AOF redis-server (appendfsync always).
import { startRedisServer, stopRedisServer } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { RedisRateLimiter } from '../src/limiter.js';
import { RedisCheckpointStore, RedisDedupeStore, RedisLease } from '../src/stores/index.js';
import { privateRedis } from './private-redis.js';

const redis = privateRedis();

test('what the stores wrote survives a restart; calls made while Redis is down complete once it is back', async () => {
  const dedupe = new RedisDedupeStore({ redis: redis.server.url });
  const checkpoints = new RedisCheckpointStore({ redis: redis.server.url });
  const lease = new RedisLease({ redis: redis.server.url });
  const claim = await dedupe.claim('event-1', 60_000);
  expect(claim.state).toBe('claimed');
  await checkpoints.save('group:1', '4211');
  const grant = await lease.acquire('poller', 60_000);
  expect(grant).not.toBeNull();

  await stopRedisServer(redis.server);
  const during = Promise.all([
    checkpoints.load('group:1'),
    dedupe.claim('event-1', 60_000),
    lease.acquire('poller', 60_000),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await startRedisServer(redis.server);
  const [position, again, other] = await during;
  expect(position).toBe('4211');
  expect(again.state).toBe('in_progress'); // the claim made before the restart still holds
  expect(other).toBeNull(); // so does the lease
  await Promise.all([dedupe.close(), checkpoints.close(), lease.close()]);
});

test('the limiter keeps granting after a restart, within the rate', async () => {
  const limiter = new RedisRateLimiter({ redis: redis.server.url });
  const slot = { key: 'token-fingerprint', limit: 20, windowMs: 1000, leaseMs: 10_000 };
  const take = async () => {
    const grant = await limiter.acquire(slot, new AbortController().signal);
    await grant.done();
  };
  const first = performance.now();
  await take();
  await stopRedisServer(redis.server);
  const pending = take();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await startRedisServer(redis.server);
  await pending;
  await Promise.all(Array.from({ length: 25 }, take));
  // 27 grants at 20 a second cannot all fall in one window: the last ones waited for the next.
  // (A slow machine only makes this longer.)
  expect(performance.now() - first).toBeGreaterThanOrEqual(950);
  await limiter.close();
});
