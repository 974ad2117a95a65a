// A store's command in flight when its connection drops is sent again once the connection is back.
import { randomUUID } from 'node:crypto';
import { redisUrl } from '@vkwire/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RedisCheckpointStore, RedisDedupeStore, RedisLease, RedisStorage } from '../src/stores/index.js';

const admin = createClient({ url: redisUrl() });
beforeAll(async () => {
  admin.on('error', () => {});
  await admin.connect();
});
afterAll(async () => {
  await admin.close();
});

test('commands held by Redis when their connection is killed complete after it reconnects', async () => {
  const options = { redis: redisUrl(), prefix: `test:${randomUUID()}:` };
  const dedupe = new RedisDedupeStore(options);
  const lease = new RedisLease(options);
  const storage = new RedisStorage<{ n: number }>(options);
  const checkpoints = new RedisCheckpointStore(options);
  // Connect each store first, so the commands below are sent on a live connection.
  await Promise.all([
    dedupe.release('warm', 'x'),
    lease.release('warm', 'x'),
    storage.delete('warm'),
    checkpoints.load('warm'),
  ]);

  // Redis holds every write (scripts included) for 300 ms; the connections are killed meanwhile,
  // so each command below is lost in flight, unanswered.
  await admin.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE']);
  const inFlight = Promise.allSettled([
    dedupe.claim('event-1', 60_000),
    lease.acquire('poller', 60_000),
    storage.set('session', { n: 1 }, { ifVersion: 0 }),
    checkpoints.save('group:1', '77'),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const killed = await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
  expect(Number(killed)).toBeGreaterThanOrEqual(4);

  const [claim, grant, written, saved] = await inFlight;
  expect(claim).toMatchObject({ status: 'fulfilled', value: { state: 'claimed' } });
  expect(grant).toMatchObject({ status: 'fulfilled', value: { fence: expect.any(Number) } });
  expect(written).toEqual({ status: 'fulfilled', value: true });
  expect(saved.status).toBe('fulfilled');
  // Each was applied once: the value has version 1, the claim and the lease are held.
  expect(await storage.get('session')).toEqual({ value: { n: 1 }, version: 1 });
  expect(await checkpoints.load('group:1')).toBe('77');
  expect((await dedupe.claim('event-1', 60_000)).state).toBe('in_progress');
  expect(await lease.acquire('poller', 60_000)).toBeNull();
  await Promise.all([dedupe.close(), lease.close(), storage.close(), checkpoints.close()]);
});

test('a store gives up after retryForMs and throws the connection error', async () => {
  const dedupe = new RedisDedupeStore({ redis: redisUrl(), prefix: `test:${randomUUID()}:`, retryForMs: 0 });
  await dedupe.release('warm', 'x');
  await admin.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE']);
  const claim = dedupe.claim('event-1', 60_000);
  const settled = claim.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
  expect(await settled).toBeInstanceOf(Error);
  await dedupe.close();
});
