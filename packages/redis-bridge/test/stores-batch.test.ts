import { randomUUID } from 'node:crypto';
import { redisUrl } from '@vkwire/testing';
import { createClient, ErrorReply, type RedisClientType } from 'redis';
import { afterEach, expect, test } from 'vitest';
import { RedisLease, RedisStorage } from '../src/stores/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A client of our own that counts the script calls sent through it and keeps the last one. */
async function countingClient(): Promise<{
  client: RedisClientType;
  scripts: () => number;
  /** Sends the last script call again, as a resend after a lost reply would. */
  resend: () => Promise<unknown>;
}> {
  const client = createClient({ url: redisUrl() }) as RedisClientType;
  await client.connect();
  closers.push(() => client.close());
  let scripts = 0;
  let last: readonly string[] = [];
  const send = client.sendCommand.bind(client) as (...all: unknown[]) => Promise<unknown>;
  client.sendCommand = ((args: readonly string[], ...rest: unknown[]) => {
    if (/^EVAL/i.test(String(args[0]))) {
      scripts += 1;
      last = args;
    }
    return send(args, ...rest);
  }) as typeof client.sendCommand;
  return { client, scripts: () => scripts, resend: () => send(last) };
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

test('a batch with a key that is not a hash and a version conflict answers every call on its own', async () => {
  const { client, scripts } = await countingClient();
  const prefix = `test:${randomUUID()}:`;
  await client.set(`${prefix}kv:not-a-hash`, 'x');
  const storage = new RedisStorage({ redis: client, prefix });
  closers.push(() => storage.close());
  await storage.writeJson([{ key: 'warm', json: '1' }]);
  await storage.set('held', 'before');

  const before = scripts();
  const outcomes = await Promise.allSettled([
    storage.writeJson([
      { key: 'a1', json: '"a1"', ifVersion: 0 },
      { key: 'a2', json: '"a2"', ifVersion: 0 },
    ]),
    // Its first key would be written, its second is a string: nothing of it is written.
    storage.writeJson([
      { key: 'b1', json: '"b1"', ifVersion: 0 },
      { key: 'not-a-hash', json: '"b2"' },
    ]),
    storage.writeJson([
      { key: 'c1', json: '"c1"', ifVersion: 0 },
      { key: 'held', json: '"c2"', ifVersion: 5 },
    ]),
    storage.writeJson([{ key: 'd1', json: '"d1"', ttlMs: 60_000 }]),
  ]);
  expect(scripts() - before).toBe(1);
  expect(outcomes[0]).toEqual({ status: 'fulfilled', value: undefined });
  expect(outcomes[1]?.status).toBe('rejected');
  expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ErrorReply);
  expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
  expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'held' });
  expect(outcomes[3]).toEqual({ status: 'fulfilled', value: undefined });

  const read = await Promise.allSettled([
    storage.readJson(['a1', 'a2', 'b1']),
    storage.readJson(['c1', 'not-a-hash']),
    storage.readJson(['held', 'd1']),
  ]);
  expect(scripts() - before).toBe(2);
  expect(read[0]).toEqual({
    status: 'fulfilled',
    value: [{ json: '"a1"', version: 1 }, { json: '"a2"', version: 1 }, undefined],
  });
  expect(String((read[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
  expect(read[2]).toEqual({
    status: 'fulfilled',
    value: [
      { json: '"before"', version: 1 },
      { json: '"d1"', version: 1 },
    ],
  });
  expect(await storage.get('c1')).toBeUndefined();
});

test('a batch of writes sent again after a lost reply is not applied twice', async () => {
  const { client, scripts, resend } = await countingClient();
  const prefix = `test:${randomUUID()}:`;
  const storage = new RedisStorage({ redis: client, prefix, versionRetentionMs: 3_600_000 });
  closers.push(() => storage.close());
  await storage.writeJson([{ key: 'warm', json: '1' }]);
  await storage.writeJson([{ key: 'deleted', json: '1' }]);

  const before = scripts();
  const written = await Promise.all([
    storage.writeJson([
      { key: 'a', json: '{"n":1}', ifVersion: 0 },
      { key: 'b', json: '{"n":1}', ifVersion: 0, ttlMs: 60_000 },
    ]),
    storage.writeJson([{ key: 'c', json: '{"n":1}' }]),
    storage.writeJson([{ key: 'deleted', json: undefined, ifVersion: 1 }]),
  ]);
  expect(scripts() - before).toBe(1);
  expect(written).toEqual([undefined, undefined, undefined]);

  // The same script call again: every call finds its token and answers "applied".
  expect(await resend()).toEqual([0, 0, 0]);
  expect(await storage.readJson(['a', 'b', 'c', 'deleted'])).toEqual([
    { json: '{"n":1}', version: 1 },
    { json: '{"n":1}', version: 1 },
    { json: '{"n":1}', version: 1 },
    undefined,
  ]);
  // The ttl by Redis's clock in `e`; the hash itself kept the retention longer.
  const [seconds] = (await client.sendCommand(['TIME'])) as [string, string];
  const expiry = Number(await client.hGet(`${prefix}kv:b`, 'e'));
  expect(expiry - Number(seconds) * 1000).toBeGreaterThan(55_000);
  expect(expiry - Number(seconds) * 1000).toBeLessThanOrEqual(61_000);
  expect(await client.pTTL(`${prefix}kv:b`)).toBeGreaterThan(3_655_000);
  expect(await client.pTTL(`${prefix}kv:b`)).toBeLessThanOrEqual(3_660_000);
  expect(await client.pTTL(`${prefix}kv:a`)).toBe(-1);
  expect(await client.pTTL(`${prefix}kv:deleted`)).toBeGreaterThan(3_595_000);
  // A later write of `deleted` still sees the version the delete left, not one bumped again.
  expect(await storage.writeJson([{ key: 'deleted', json: '2', ifVersion: 0 }])).toBeUndefined();
  expect(await storage.get('deleted')).toEqual({ value: 2, version: 2 });
});

test('JSON text with line breaks is stored as it was given, next to other calls of its batch', async () => {
  const storage = new RedisStorage({ redis: redisUrl(), prefix: `test:${randomUUID()}:` });
  closers.push(() => storage.close());
  const pretty = JSON.stringify({ text: 'two\nlines', list: [1, 2] }, null, 2);
  const written = await Promise.all([
    storage.writeJson([{ key: 'before', json: '"b"' }]),
    storage.writeJson([
      { key: 'pretty', json: pretty, ifVersion: 0 },
      { key: 'after', json: '"a"', ttlMs: 60_000 },
    ]),
    storage.writeJson([{ key: 'last', json: '"l"', ifVersion: 0 }]),
  ]);
  expect(written).toEqual([undefined, undefined, undefined]);
  expect(await storage.readJson(['before', 'pretty', 'after', 'last'])).toEqual([
    { json: '"b"', version: 1 },
    { json: pretty, version: 1 },
    { json: '"a"', version: 1 },
    { json: '"l"', version: 1 },
  ]);
});

test('lease acquires and releases in one batch answer on their own, a key that is not a hash failing alone', async () => {
  const { client, scripts, resend } = await countingClient();
  const prefix = `test:${randomUUID()}:`;
  await client.set(`${prefix}lease:not-a-hash`, 'x');
  const lease = new RedisLease({ redis: client, prefix });
  closers.push(() => lease.close());
  await lease.release('warm', 'none');
  await lease.acquire('warm', 1_000);

  const before = scripts();
  const acquired = await Promise.allSettled([
    lease.acquire('one', 10_000),
    lease.acquire('not-a-hash', 10_000),
    lease.acquire('two', 10_000),
  ]);
  expect(scripts() - before).toBe(1);
  const one = (acquired[0] as PromiseFulfilledResult<{ token: string; fence: number } | null>).value;
  const two = (acquired[2] as PromiseFulfilledResult<{ token: string; fence: number } | null>).value;
  expect(one?.fence).toBeGreaterThan(0);
  expect(two?.fence).toBeGreaterThan(0);
  expect(String((acquired[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
  // Held for the ttl; the fence kept the retention (7 days) longer.
  expect(await client.pTTL(`${prefix}lease:one`)).toBeGreaterThan(604_805_000);
  expect(await client.pTTL(`${prefix}lease:one`)).toBeLessThanOrEqual(604_810_000);
  // Sent again after a lost reply: the same grants (their tokens are found), the error again.
  const again = (await resend()) as unknown[];
  expect([again[0], again[2]]).toEqual([one?.fence, two?.fence]);
  expect(again[1]).toBeInstanceOf(ErrorReply);

  const released = await Promise.allSettled([
    lease.release('one', one?.token as string),
    lease.release('not-a-hash', 'any'),
    lease.release('two', 'a token\nwith a line break'),
    lease.release('two', two?.token as string),
  ]);
  expect(scripts() - before).toBe(2);
  expect(released[0]).toEqual({ status: 'fulfilled', value: true });
  expect(String((released[1] as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
  expect(released[2]).toEqual({ status: 'fulfilled', value: false });
  expect(released[3]).toEqual({ status: 'fulfilled', value: true });
  // A release sent again answers false and the lease stays free.
  expect(((await resend()) as unknown[])[0]).toBe(0);
  expect(await lease.acquire('one', 10_000)).not.toBeNull();
});
