import { destroyManagedRedis, launchManagedRedis, redisUrl, stopRedisServer } from '@vkwire/testing';
import { createClient } from 'redis';
import { expect, test } from 'vitest';
import { connectRedis, RedisScript } from '../src/connection.js';

test('a URL connects; commands and scripts run; close() closes what it opened', async () => {
  const redis = await connectRedis(redisUrl(), 'test');
  await redis.run('conn:k', ['SET', 'conn:k', 'v']);
  expect(await redis.run('conn:k', ['GET', 'conn:k'])).toBe('v');
  const echo = new RedisScript("return redis.call('GET', KEYS[1]) .. ARGV[1]");
  expect(await redis.script(echo, ['conn:k'], ['!'])).toBe('v!');
  expect(await redis.script(echo, ['conn:k'], ['?'])).toBe('v?');
  const blocking = await redis.blocking();
  expect(await blocking.run(undefined, ['PING'])).toBe('PONG');
  await blocking.close();
  await redis.close();
});

test('a client of your own stays open after close()', async () => {
  const client = createClient({ url: redisUrl() });
  await client.connect();
  const redis = await connectRedis(client as never, 'test');
  await redis.close();
  expect(await client.ping()).toBe('PONG');
  await client.close();
});

test('a bad input is a VkwireConfigError that hides the password', async () => {
  await expect(connectRedis('http://user:secret@host', 'createPublisher')).rejects.toMatchObject({
    code: 'invalid_option',
    option: 'redis',
  });
  await expect(connectRedis('http://user:secret@host', 'createPublisher')).rejects.not.toThrow(/secret/);
});

test('close() returns while Redis is unreachable (queued commands fail instead of holding it forever)', async () => {
  const server = await launchManagedRedis();
  try {
    const redis = await connectRedis(server.url, 'test');
    await stopRedisServer(server);
    const queued = redis.run('k', ['GET', 'k']).catch((error: unknown) => error);
    const started = performance.now();
    await redis.close();
    expect(performance.now() - started).toBeLessThan(7_000);
    expect(await queued).toBeInstanceOf(Error);
  } finally {
    await destroyManagedRedis(server);
  }
}, 20_000);
