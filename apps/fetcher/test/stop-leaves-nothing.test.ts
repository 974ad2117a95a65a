// Stop means stopped: once Fetcher.stop() resolved, nothing of it is left — no poll, no Redis
// connection, no lease renewal or fleet heartbeat, no timer of its bounded shutdown still armed —
// and nothing more reaches the bus.
import { createSandbox } from '@vkwire/sandbox';
import {
  destroyManagedRedis,
  type LeftResource,
  launchManagedRedis,
  stopRedisServer,
  watchResources,
} from '@vkwire/testing';
import { expect, test } from 'vitest';
import { busEvents, testFetcher, uniqueStream, until } from './helpers.js';

/**
 * What is left, one line each; node-redis's own per-command timeout is left out: each command it
 * queues arms an AbortSignal.timeout (5 s here, the fetcher's command timeout) whose listener it
 * removes once the command is written, and that no caller can clear: it fires into nothing.
 */
function lines(left: LeftResource[]): string[] {
  return left
    .filter((item) => !(item.type === 'Timeout' && item.createdAt.includes('@redis/client/dist/lib/client/')))
    .map((item) => `${item.type} ${item.detail} @ ${item.createdAt}`);
}

test('a fetcher that polled and published leaves nothing after stop(), and publishes nothing more', async () => {
  const watch = watchResources();
  try {
    await using vk = await createSandbox();
    const stream = uniqueStream();
    watch.begin();
    const fetcher = testFetcher({
      tokens: [vk.group.token],
      apiBaseUrl: vk.apiUrl,
      stream,
      keyPrefix: `${stream}:`,
    });
    fetcher.start();
    await until(() => fetcher.status().ready);
    const anna = vk.user(193847562);
    for (let i = 0; i < 5; i++) anna.send(`n${i}`);
    await until(async () => (await busEvents(stream, 4)).length === 5);
    await fetcher.stop();
    expect(lines(await watch.settle())).toEqual([]);
    anna.send('after stop');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await busEvents(stream, 4)).toHaveLength(5);
  } finally {
    watch.end();
  }
});

test('with its Redis killed, stop() still resolves promptly and leaves nothing', async () => {
  const redis = await launchManagedRedis({ persistence: 'aof-always' });
  const watch = watchResources();
  try {
    await using vk = await createSandbox();
    const stream = uniqueStream();
    watch.begin();
    const fetcher = testFetcher({
      tokens: [vk.group.token],
      apiBaseUrl: vk.apiUrl,
      stream,
      keyPrefix: `${stream}:`,
      redisUrl: redis.url,
    });
    fetcher.start();
    await until(() => fetcher.status().ready);
    const anna = vk.user(193847562);
    anna.send('before');
    await until(async () => (await busEvents(stream, 4, redis.url)).length === 1);
    await stopRedisServer(redis);
    anna.send('while Redis is down'); // a publish waits for Redis when stop() comes
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await fetcher.stop();
    // Bounded, each wait in turn: the poll's stop for the publish in flight (5 s), the lease
    // release (1 s), the fleet's goodbye (1 s), then 1.5 s for everything that still waits on Redis.
    expect(Date.now() - started).toBeLessThan(8500 + 4500);
    expect(lines(await watch.settle())).toEqual([]);
  } finally {
    watch.end();
    await destroyManagedRedis(redis);
  }
});
