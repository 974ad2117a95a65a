import { type KeyValueSetOptions, MemoryKeyValueStore, MemoryLease } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { afterEach, expect, test, vi } from 'vitest';
import type { Context } from '../src/context.js';
import {
  featureKey,
  SessionConflictError,
  type SessionFlavor,
  session,
  stateKey,
} from '../src/state/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

type Counter = Context & SessionFlavor<{ count: number }>;

afterEach(() => {
  vi.useRealTimers();
});

test('a burst of 20 messages from one user: each handler sees the count its predecessor left', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<Counter>(vk);
  const storage = new MemoryKeyValueStore();
  bot.use(session({ initial: () => ({ count: 0 }), storage }));
  const saw: number[] = [];
  bot.on('message_new', async (ctx) => {
    const seen = ctx.session.count;
    // A pause inside the handler: without isolation the next update would read the old count.
    await new Promise((resolve) => setTimeout(resolve, 1));
    saw.push(seen);
    ctx.session.count = seen + 1;
  });
  const next = inbox(vk);
  for (let i = 0; i < 20; i++) vk.user(7).send(`m${i}`);
  await Promise.all(next().map((update) => bot.handleUpdate(update)));
  expect(errors).toEqual([]);
  expect(saw).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect((await storage.get(`${vk.group.id}:session:{uc:7:7}`))?.value).toEqual({ count: 20 });
});

test('a user-wide session is exclusive across chats: a burst over a DM and a chat loses no increment', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'Team', members: [7, 8] });
  const { bot, errors } = stateBot<Counter>(vk);
  bot.use(session({ initial: () => ({ count: 0 }), strategy: 'user' }));
  const saw: number[] = [];
  bot.on('message_new', async (ctx) => {
    const seen = ctx.session.count;
    await new Promise((resolve) => setTimeout(resolve, 1));
    saw.push(seen);
    ctx.session.count = seen + 1;
  });
  const next = inbox(vk);
  next();
  for (let i = 0; i < 10; i++) {
    vk.user(7).send(`dm${i}`);
    vk.user(7).send(`chat${i}`, { peerId: chat.peerId });
  }
  await Promise.all(next().map((update) => bot.handleUpdate(update)));
  expect(errors).toEqual([]);
  expect([...saw].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('two bots sharing a store and a lease take a key in turn (two workers, one burst)', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const lease = new MemoryLease();
  const saw: number[] = [];
  const workers = [stateBot<Counter>(vk), stateBot<Counter>(vk)] as const;
  for (const [index, { bot }] of workers.entries()) {
    // Another leaseWaitMs each: features of one storage and lease settings share this process's
    // lock, which would order the burst without the lease; two processes share only the lease.
    bot.use(
      session({ initial: () => ({ count: 0 }), storage, lease, leaseMs: 1000, leaseWaitMs: 10_000 + index }),
    );
    bot.on('message_new', async (ctx) => {
      const seen = ctx.session.count;
      await new Promise((resolve) => setTimeout(resolve, 2));
      saw.push(seen);
      ctx.session.count = seen + 1;
    });
  }
  const next = inbox(vk);
  for (let i = 0; i < 20; i++) vk.user(7).send(`m${i}`);
  await Promise.all(next().map((update, i) => workers[i % 2 === 0 ? 0 : 1].bot.handleUpdate(update)));
  expect(workers.flatMap((worker) => worker.errors)).toEqual([]);
  expect([...saw].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
});

test('a session survives a restart: a new bot on the same store continues it', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const next = inbox(vk);
  const build = () => {
    const { bot } = stateBot<Counter>(vk);
    bot.use(session({ initial: () => ({ count: 0 }), storage }));
    bot.on('message_new', (ctx) => `count ${++ctx.session.count}`);
    return bot;
  };
  const first = build();
  await say(vk, first, next, 3, 'a');
  await say(vk, first, next, 3, 'b');
  await first.stop();
  const second = build();
  await say(vk, second, next, 3, 'c');
  expect(texts(vk, 3)).toEqual(['count 1', 'count 2', 'count 3']);
});

test('a session is written only when it changed, and expires after its TTL', async () => {
  const vk = await sandbox();
  const inner = new MemoryKeyValueStore();
  const writes: Array<KeyValueSetOptions | undefined> = [];
  const storage = {
    get: (key: string) => inner.get(key),
    delete: (key: string) => inner.delete(key),
    set: (key: string, value: unknown, options?: KeyValueSetOptions) => {
      writes.push(options);
      return inner.set(key, value, options);
    },
  };
  const { bot } = stateBot<Counter>(vk);
  bot.use(session({ initial: () => ({ count: 0 }), storage, ttlMs: 60_000 }));
  bot.hears('read', (ctx) => `count ${ctx.session.count}`);
  bot.hears('add', (ctx) => {
    ctx.session.count += 1;
    return `count ${ctx.session.count}`;
  });
  const next = inbox(vk);
  await say(vk, bot, next, 4, 'read');
  expect(writes).toEqual([]);
  await say(vk, bot, next, 4, 'add');
  await say(vk, bot, next, 4, 'read');
  expect(writes).toEqual([{ ttlMs: 60_000, ifVersion: 0 }]);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 61_000);
  await say(vk, bot, next, 4, 'read');
  expect(texts(vk, 4)).toEqual(['count 0', 'count 1', 'count 1', 'count 0']);
});

test('a write that finds the session changed meanwhile fails with SessionConflictError and writes nothing', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const { bot, errors } = stateBot<Counter>(vk);
  bot.use(session({ initial: () => ({ count: 0 }), storage }));
  bot.on('message_new', async (ctx) => {
    ctx.session.count = 100;
    // Another worker (without a lease) writes the same key meanwhile.
    await storage.set(featureKey(stateKey(ctx, 'user_in_chat') as string, 'session'), { count: 5 });
  });
  await say(vk, bot, inbox(vk), 5, 'x');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(SessionConflictError);
  expect(errors[0]).toMatchObject({ code: 'conflict', key: `${vk.group.id}:session:{uc:5:5}` });
  expect((await storage.get(`${vk.group.id}:session:{uc:5:5}`))?.value).toEqual({ count: 5 });
});

test('assigning null deletes the session; the next update starts from initial()', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const { bot } = stateBot<Context & SessionFlavor<{ count: number } | null>>(vk);
  bot.use(session<{ count: number } | null>({ initial: () => ({ count: 0 }), storage }));
  bot.hears('add', (ctx) => {
    ctx.session = { count: (ctx.session?.count ?? 0) + 1 };
    return `count ${ctx.session.count}`;
  });
  bot.hears('reset', (ctx) => {
    ctx.session = null;
    return 'reset';
  });
  const next = inbox(vk);
  await say(vk, bot, next, 6, 'add');
  await say(vk, bot, next, 6, 'add');
  await say(vk, bot, next, 6, 'reset');
  expect(storage.size).toBe(0);
  await say(vk, bot, next, 6, 'add');
  expect(texts(vk, 6)).toEqual(['count 1', 'count 2', 'reset', 'count 1']);
});

test('state keys start with the community, then the strategy; a custom key wins', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'Team', members: [7, 8] });
  const storage = new MemoryKeyValueStore();
  const { bot } = stateBot<Counter>(vk);
  bot.use(session({ initial: () => ({ count: 0 }), storage, strategy: 'chat', prefix: 'chat' }));
  bot.use(
    session({
      initial: () => ({ count: 0 }),
      storage,
      getKey: (ctx) => `${ctx.groupId}:custom`,
      prefix: 'x',
    }),
  );
  bot.on('message_new', (ctx) => {
    ctx.session.count++;
  });
  const next = inbox(vk);
  next();
  await say(vk, bot, next, 7, 'hi', chat.peerId);
  const g = vk.group.id;
  expect(await storage.get(`${g}:x:{custom}`)).toMatchObject({ value: { count: 1 } });
  // The later session() owns ctx.session: the chat one saw nothing change.
  expect(storage.size).toBe(1);
  expect(await storage.get(`${g}:chat:{c:${chat.peerId}}`)).toBeUndefined();
});

test('a feature key: community, prefix, then the rest as a Redis Cluster hash tag (kept when the key has one)', () => {
  expect(featureKey('218734561:uc:2000000004:193847562', 'session')).toBe(
    '218734561:session:{uc:2000000004:193847562}',
  );
  expect(featureKey('218734561:u:42', 'fsm')).toBe('218734561:fsm:{u:42}');
  expect(featureKey('order-42', 'session')).toBe('session:{order-42}');
  expect(featureKey('218734561:{shop}:order-42', 'session')).toBe('218734561:session:{shop}:order-42');
  expect(featureKey('{shop}', 'session')).toBe('session:{shop}');
});

test('a key another worker holds past leaseWaitMs fails the update with lock_timeout; the handler does not run', async () => {
  const vk = await sandbox();
  const lease = new MemoryLease();
  const { bot, errors } = stateBot<Counter>(vk);
  bot.use(session({ initial: () => ({ count: 0 }), lease, leaseWaitMs: 50 }));
  let ran = 0;
  bot.on('message_new', () => {
    ran++;
  });
  // The lease is taken on the update's state key (shared by the session and an FSM of the same storage).
  expect(lease.acquire(`lock:${vk.group.id}:uc:9:9`, 60_000)).not.toBeNull();
  await say(vk, bot, inbox(vk), 9, 'x');
  expect(ran).toBe(0);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ name: 'StateError', code: 'lock_timeout' });
});

test('an update without the user or chat of its key: the handler runs, touching ctx.session throws no_state_key', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<Counter>(vk);
  bot.use(session({ initial: () => ({ count: 0 }), strategy: 'chat' }));
  let reached = false;
  bot.on('group_join', (ctx) => {
    reached = true;
    ctx.session.count++;
  });
  vk.user(12).join();
  const [update] = vk.events().filter((item) => item.type === 'group_join');
  await bot.handleUpdate(update as unknown as Parameters<typeof bot.handleUpdate>[0]);
  expect(reached).toBe(true);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ name: 'StateError', code: 'no_state_key' });
  expect(errors[0]?.message).toContain('group_join');
});

test('a handler that runs past leaseMs keeps its key: the lease is renewed, and another worker waits for it', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const lease = new MemoryLease();
  const spans: Array<[string, number, number]> = [];
  const workers = [stateBot<Counter>(vk), stateBot<Counter>(vk)] as const;
  for (const [index, { bot }] of workers.entries()) {
    // Another leaseWaitMs each, so that the workers share the lease only (not this process's lock).
    bot.use(
      session({ initial: () => ({ count: 0 }), storage, lease, leaseMs: 90, leaseWaitMs: 5_000 + index }),
    );
    bot.on('message_new', async (ctx) => {
      const started = Date.now();
      const seen = ctx.session.count;
      // Over four times the lease: it ran out three times over unless it was renewed.
      await new Promise((resolve) => setTimeout(resolve, ctx.text === 'slow' ? 400 : 1));
      ctx.session.count = seen + 1;
      spans.push([ctx.text ?? '', started, Date.now()]);
    });
  }
  const next = inbox(vk);
  vk.user(7).send('slow');
  vk.user(7).send('fast');
  const [slow, fast] = next();
  const first = workers[0].bot.handleUpdate(slow as VkParsedUpdate);
  // The second worker asks once the first holds the key (and its lease would have run out).
  await new Promise((resolve) => setTimeout(resolve, 200));
  await Promise.all([first, workers[1].bot.handleUpdate(fast as VkParsedUpdate)]);
  expect(workers.flatMap((worker) => worker.errors)).toEqual([]);
  const [slowSpan, fastSpan] = [spans.find((s) => s[0] === 'slow'), spans.find((s) => s[0] === 'fast')];
  expect(fastSpan?.[1]).toBeGreaterThanOrEqual(slowSpan?.[2] ?? Number.POSITIVE_INFINITY);
  expect((await storage.get(`${vk.group.id}:session:{uc:7:7}`))?.value).toEqual({ count: 2 });
});
