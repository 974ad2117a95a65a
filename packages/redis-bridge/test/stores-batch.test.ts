import { randomUUID } from 'node:crypto';
import { redisUrl } from '@vkwire/testing';
import { createClient, ErrorReply, type RedisClientType } from 'redis';
import { afterEach, expect, test } from 'vitest';
import { RedisLease, RedisStorage } from '../src/stores/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A client of our own that counts the script calls sent through it. */
async function countingClient(): Promise<{ client: RedisClientType; scripts: () => number }> {
  const client = createClient({ url: redisUrl() }) as RedisClientType;
  await client.connect();
  closers.push(() => client.close());
  let scripts = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((args: readonly string[], ...rest: unknown[]) => {
    if (/^EVAL/i.test(String(args[0]))) scripts += 1;
    return (send as (...all: unknown[]) => Promise<unknown>)(args, ...rest);
  }) as typeof client.sendCommand;
  return { client, scripts: () => scripts };
}

test('readJson and writeJson calls made in one turn share one script call, each answered on its own', async () => {
  const { client, scripts } = await countingClient();
  const prefix = `test:${randomUUID()}:`;
  const storage = new RedisStorage({ redis: client, prefix });
  closers.push(() => storage.close());
  const keys = Array.from({ length: 20 }, (_, index) => [
    `218734561:session:{u:${index}}`,
    `218734561:fsm:{u:${index}}`,
  ]);
  // Warm: the scripts are loaded (a first EVALSHA may answer NOSCRIPT and be sent again as EVAL).
  await storage.readJson(['warm']);
  await storage.writeJson([{ key: 'warm', json: '1' }]);

  const before = scripts();
  const written = await Promise.all(
    keys.map((pair, index) =>
      storage.writeJson([
        { key: pair[0] as string, json: JSON.stringify({ count: index }), ifVersion: 0 },
        // The 8th update's second key claims a version the key does not have: only it fails.
        { key: pair[1] as string, json: JSON.stringify({ state: 'a' }), ifVersion: index === 7 ? 3 : 0 },
      ]),
    ),
  );
  expect(scripts() - before).toBe(1);
  expect(written).toEqual(keys.map((pair, index) => (index === 7 ? pair[1] : undefined)));

  const read = await Promise.all(keys.map((pair) => storage.readJson(pair)));
  expect(scripts() - before).toBe(2);
  read.forEach((found, index) => {
    // All or none: the 8th update wrote neither key.
    if (index === 7) expect(found).toEqual([undefined, undefined]);
    else
      expect(found).toEqual([
        { json: JSON.stringify({ count: index }), version: 1 },
        { json: '{"state":"a"}', version: 1 },
      ]);
  });
});

test("one call's error in a batch rejects that call only", async () => {
  const prefix = `test:${randomUUID()}:`;
  const admin = createClient({ url: redisUrl() });
  await admin.connect();
  closers.push(() => admin.close());
  // Not a hash: the script's HMGET fails on it with WRONGTYPE.
  await admin.set(`${prefix}kv:not-a-hash`, 'x');
  const storage = new RedisStorage({ redis: redisUrl(), prefix });
  closers.push(() => storage.close());
  await storage.set('fine', { ok: true });

  const [bad, good, write] = await Promise.allSettled([
    storage.readJson(['not-a-hash']),
    storage.readJson(['fine']),
    storage.writeJson([{ key: 'other', json: '1', ifVersion: 0 }]),
  ]);
  expect(bad.status).toBe('rejected');
  expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(ErrorReply);
  expect(String((bad as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
  expect(good).toEqual({ status: 'fulfilled', value: [{ json: '{"ok":true}', version: 1 }] });
  expect(write).toEqual({ status: 'fulfilled', value: undefined });
  expect((await storage.get('other'))?.value).toBe(1);
});

test('acquires of one key in one turn go in one script call and one of them wins', async () => {
  const { client, scripts } = await countingClient();
  const lease = new RedisLease({ redis: client, prefix: `test:${randomUUID()}:` });
  closers.push(() => lease.close());
  await lease.release('warm', 'none');
  await lease.acquire('warm', 1_000);

  const before = scripts();
  const outcomes = await Promise.all(Array.from({ length: 5 }, () => lease.acquireOrWait('lock:k', 10_000)));
  expect(scripts() - before).toBe(1);
  const grants = outcomes.filter((outcome) => 'fence' in outcome);
  expect(grants).toHaveLength(1);
  for (const outcome of outcomes) if ('heldForMs' in outcome) expect(outcome.heldForMs).toBeGreaterThan(0);

  const grant = grants[0] as { token: string };
  const released = await Promise.all([
    lease.release('lock:k', 'not-mine'),
    lease.release('lock:k', grant.token),
  ]);
  expect(scripts() - before).toBe(2);
  expect(released).toEqual([false, true]);
  expect(await lease.acquire('lock:k', 10_000)).not.toBeNull();
});
