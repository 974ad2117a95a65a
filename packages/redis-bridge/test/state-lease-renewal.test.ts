// The key lock's lease across a Redis blip: a renewal that fails is tried again while the work runs.
import { randomUUID } from 'node:crypto';
import { KeyLock } from '@vkwire/bot-framework';
import { redisUrl } from '@vkwire/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RedisLease } from '../src/stores/index.js';

const admin = createClient({ url: redisUrl() });
beforeAll(async () => {
  admin.on('error', () => {});
  await admin.connect();
});
afterAll(async () => {
  await admin.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a renewal that fails while Redis is out of reach is tried again: a long handler keeps its key', async () => {
  const prefix = `test:${randomUUID()}:`;
  const client = createClient({ url: redisUrl() });
  client.on('error', () => {});
  await client.connect();
  const id = String(await client.sendCommand(['CLIENT', 'ID']));
  // No retries of its own: the renewal's connection error reaches the lock at once.
  const lease = new RedisLease({ redis: client, prefix, retryForMs: 0 });
  const other = new RedisLease({ redis: redisUrl(), prefix });
  const lock = new KeyLock({ lease, leaseMs: 900 });
  let taken: unknown = 'not asked';
  await lock.run('218734561:uc:1:1', async () => {
    // The first renewal (due 300 ms after the grant) is held by a paused Redis, and its connection
    // is killed under it: it fails.
    await sleep(250);
    await admin.sendCommand(['CLIENT', 'PAUSE', '200', 'WRITE']);
    await sleep(100);
    await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    // Well past the first term (900 ms): another worker gets the key unless it was renewed since.
    await sleep(1_000);
    taken = await other.acquire('lock:218734561:uc:1:1', 60_000);
  });
  expect(taken).toBeNull();
  await Promise.all([lease.close(), other.close()]);
  await client.close();
});
