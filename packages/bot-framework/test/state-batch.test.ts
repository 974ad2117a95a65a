import { type JsonWrite, type KeyValueStore, MemoryKeyValueStore } from '@vkwire/core';
import { expect, test } from 'vitest';
import type { Context } from '../src/context.js';
import { type FsmFlavor, fsm, type SessionFlavor, session, stateData } from '../src/state/index.js';
import { sandbox } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

const states = { a: stateData<{ n: number }>(), b: stateData<{ n: number }>() };
type Both = Context & SessionFlavor<{ count: number }> & FsmFlavor<typeof states>;

/** A memory store that counts how it is called (the store itself is the real one). */
class CountingStore extends MemoryKeyValueStore {
  readonly calls = { readJson: 0, writeJson: 0, keysRead: 0, get: 0, set: 0 };

  override readJson(keys: readonly string[]) {
    this.calls.readJson += 1;
    this.calls.keysRead += keys.length;
    return super.readJson(keys);
  }

  override writeJson(writes: readonly JsonWrite[]) {
    this.calls.writeJson += 1;
    return super.writeJson(writes);
  }

  override get(key: string) {
    this.calls.get += 1;
    return super.get(key);
  }

  override set(...args: Parameters<MemoryKeyValueStore['set']>) {
    this.calls.set += 1;
    return super.set(...args);
  }
}

/** A session counter and an a ⇄ b FSM on `storage`; every message bumps both. */
function bothBot(vk: Awaited<ReturnType<typeof sandbox>>, storage: KeyValueStore) {
  const made = stateBot<Both>(vk);
  const flow = fsm({ states, transitions: { a: ['b'], b: ['a'] }, storage });
  made.bot.use(session({ initial: () => ({ count: 0 }), storage }), flow);
  made.bot.on('message_new', async (ctx) => {
    const n = ++ctx.session.count;
    await ctx.fsm.set(ctx.fsm.state === 'a' ? 'b' : 'a', { n });
  });
  return made;
}

/**
 * A store of its own over `inner`: get/set/delete only, or (`withJson`) with readJson/writeJson
 * answering promises, as a networked store does.
 */
function storeOver(inner: MemoryKeyValueStore, withJson: boolean): KeyValueStore {
  const store: KeyValueStore = {
    get: (key) => inner.get(key),
    set: (key, value, options) => inner.set(key, value, options),
    delete: (key) => inner.delete(key),
  };
  if (withJson) {
    store.readJson = async (keys) => inner.readJson(keys);
    store.writeJson = async (writes) => inner.writeJson(writes);
  }
  return store;
}

/** A bot with a session and an FSM on one memory store, and no handler yet. */
function sessionAndFsm(vk: Awaited<ReturnType<typeof sandbox>>) {
  const storage = new MemoryKeyValueStore();
  const made = stateBot<Both>(vk);
  made.bot.use(session({ initial: () => ({ count: 0 }), storage }), fsm({ states, storage }));
  return { ...made, storage };
}

/** `count` messages of `user` at once, handled without an error. */
async function burst(
  vk: Awaited<ReturnType<typeof sandbox>>,
  made: ReturnType<typeof bothBot>,
  user: number,
  count: number,
): Promise<void> {
  const next = inbox(vk);
  for (let i = 0; i < count; i++) vk.user(user).send(`m${i}`);
  await Promise.all(next().map((update) => made.bot.handleUpdate(update)));
  expect(made.errors).toEqual([]);
}

/** Both keys of `user` hold what the last of `count` messages left. */
async function expectBoth(
  vk: Awaited<ReturnType<typeof sandbox>>,
  store: KeyValueStore,
  user: number,
  count: number,
): Promise<void> {
  const g = vk.group.id;
  expect((await store.get(`${g}:session:{uc:${user}:${user}}`))?.value).toEqual({ count });
  expect((await store.get(`${g}:fsm:{uc:${user}:${user}}`))?.value).toEqual({
    state: count % 2 === 0 ? 'b' : 'a',
    data: { n: count },
  });
}

test('a session and an FSM on one storage: one read of both keys and one write per update, a burst of 20 in order', async () => {
  const vk = await sandbox();
  const storage = new CountingStore();
  await burst(vk, bothBot(vk, storage), 7, 20);
  expect(storage.calls).toEqual({ readJson: 20, writeJson: 20, keysRead: 40, get: 0, set: 0 });
  await expectBoth(vk, storage, 7, 20);
});

test('when one key of the update changed meanwhile, neither is written: SessionConflictError', async () => {
  const vk = await sandbox();
  const { bot, errors, storage } = sessionAndFsm(vk);
  const g = vk.group.id;
  bot.on('message_new', async (ctx) => {
    ctx.session.count += 1;
    await ctx.fsm.set('a', { n: ctx.session.count });
    // Another worker without the lease writes the session key meanwhile.
    if (ctx.text === 'race') await storage.set(`${g}:session:{uc:8:8}`, { count: 99 });
  });
  const next = inbox(vk);
  await say(vk, bot, next, 8, 'first');
  await say(vk, bot, next, 8, 'race');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ name: 'SessionConflictError', key: `${g}:session:{uc:8:8}` });
  // The FSM's change of the same update was not written either: still what 'first' left.
  expect((await storage.get(`${g}:fsm:{uc:8:8}`))?.value).toEqual({ state: 'a', data: { n: 1 } });
  expect((await storage.get(`${g}:session:{uc:8:8}`))?.value).toEqual({ count: 99 });
});

test('a store with only get/set/delete works the same, key by key', async () => {
  const vk = await sandbox();
  const inner = new MemoryKeyValueStore();
  const storage = storeOver(inner, false);
  const { bot, errors } = bothBot(vk, storage);
  const next = inbox(vk);
  for (let i = 0; i < 5; i++) await say(vk, bot, next, 9, `m${i}`);
  expect(errors).toEqual([]);
  const g = vk.group.id;
  expect((await inner.get(`${g}:session:{uc:9:9}`))?.value).toEqual({ count: 5 });
  expect((await inner.get(`${g}:fsm:{uc:9:9}`))?.value).toEqual({ state: 'a', data: { n: 5 } });
});

test('a store that answers readJson/writeJson with promises (a networked one) works the same', async () => {
  const vk = await sandbox();
  const inner = new CountingStore();
  const storage = storeOver(inner, true);
  await burst(vk, bothBot(vk, storage), 10, 10);
  expect(inner.calls).toMatchObject({ readJson: 10, writeJson: 10, get: 0, set: 0 });
  await expectBoth(vk, inner, 10, 10);
});

test('a handler that keeps the session and FSM data and changes them after its update changes nothing stored', async () => {
  const vk = await sandbox();
  const { bot, errors, storage } = sessionAndFsm(vk);
  const kept: Array<{ session: { count: number }; data: { n: number } | undefined }> = [];
  bot.on('message_new', async (ctx) => {
    ctx.session.count += 1;
    await ctx.fsm.set('a', { n: ctx.session.count });
    kept.push({ session: ctx.session, data: ctx.fsm.current?.data as { n: number } | undefined });
  });
  const next = inbox(vk);
  await say(vk, bot, next, 11, 'first');
  // After the update: what the handler kept is its own, not the store's.
  for (const item of kept) {
    item.session.count = 1000;
    if (item.data) item.data.n = 1000;
  }
  await say(vk, bot, next, 11, 'second');
  for (const item of kept) item.session.count = 2000;
  expect(errors).toEqual([]);
  const g = vk.group.id;
  expect((await storage.get(`${g}:session:{uc:11:11}`))?.value).toEqual({ count: 2 });
  expect((await storage.get(`${g}:fsm:{uc:11:11}`))?.value).toEqual({ state: 'a', data: { n: 2 } });
  expect(kept.map((item) => item.session.count)).toEqual([2000, 2000]);
});
