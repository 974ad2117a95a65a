// A store whose Redis is out of reach answers with a typed error within retryForMs, instead of
// waiting for it forever, and what it gave up on is never sent later.
import { startRedisServer, stopRedisServer } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { RedisLease, RedisStorage, RedisUnavailableError } from '../src/stores/index.js';
import { privateRedis } from './private-redis.js';

const redis = privateRedis();

test('a store whose Redis never answered fails within retryForMs with RedisUnavailableError', async () => {
  await stopRedisServer(redis.server);
  const storage = new RedisStorage({ redis: redis.server.url, retryForMs: 300 });
  const started = Date.now();
  const failed = await storage.get('session').then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(failed).toBeInstanceOf(RedisUnavailableError);
  expect(failed).toMatchObject({ code: 'unavailable', component: 'RedisStorage' });
  expect(Date.now() - started).toBeLessThan(3_000);
  await storage.close();
});

test('calls made while Redis is down past retryForMs fail, and are not applied once it is back', async () => {
  const storage = new RedisStorage<{ n: number }>({ redis: redis.server.url, retryForMs: 300 });
  const lease = new RedisLease({ redis: redis.server.url, retryForMs: 300 });
  expect(await storage.set('session', { n: 1 }, { ifVersion: 0 })).toBe(true);
  await stopRedisServer(redis.server);
  const started = Date.now();
  const [written, granted, batched] = await Promise.allSettled([
    storage.set('session', { n: 2 }, { ifVersion: 1 }),
    lease.acquire('lock:session', 60_000),
    storage.writeJson([{ key: 'other', json: '{"n":3}', ifVersion: 0 }]),
  ]);
  expect(Date.now() - started).toBeLessThan(3_000);
  for (const outcome of [written, granted, batched])
    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(RedisUnavailableError) });
  await startRedisServer(redis.server);
  // Nothing of what failed was sent once Redis came back.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await storage.get('session')).toEqual({ value: { n: 1 }, version: 1 });
  expect(await storage.get('other')).toBeUndefined();
  expect(await lease.acquire('lock:session', 60_000)).not.toBeNull();
  await Promise.all([storage.close(), lease.close()]);
});

test('many calls at once share their abort signal without a listener warning', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => {
    warnings.push(warning);
  };
  process.on('warning', onWarning);
  const storage = new RedisStorage({ redis: redis.server.url });
  await Promise.all(Array.from({ length: 50 }, (_, i) => storage.get(`k${i}`)));
  await Promise.all(Array.from({ length: 50 }, (_, i) => storage.set(`k${i}`, i)));
  await new Promise((resolve) => setImmediate(resolve));
  process.off('warning', onWarning);
  expect(warnings.map((warning) => warning.name)).toEqual([]);
  await storage.close();
});
