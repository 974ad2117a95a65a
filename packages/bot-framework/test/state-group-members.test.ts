import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryKeyValueStore } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import type { Context } from '../src/context.js';
import { featureKey, type SessionFlavor, session } from '../src/state/index.js';
import { memoryLogger, sandbox } from './helpers.js';
import { inbox } from './state-helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

type Counter = Context & SessionFlavor<{ count: number }>;

/**
 * Collects garbage until `gone()`. A `WeakRef`'s target read in a turn of the event loop is kept
 * until that turn ends, so each attempt collects in a fresh turn before it asks.
 */
async function collectUntil(gone: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    if (gone()) return true;
  }
  return false;
}

test('the sessions of bots that are gone stop taking part in the updates of a storage they shared', async () => {
  // A process that makes bots as communities come and go (one storage for all of them): each
  // session() joins the storage's state group. A group that held its features for as long as the
  // storage lived read every dead feature's key on each update, and grew without end.
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const next = inbox(vk);
  const keyCalls = { dead: 0 };
  let deadBot: WeakRef<object> | undefined;

  await (async () => {
    const bot = new Bot<Counter>({
      token: vk.group.token,
      baseUrl: vk.apiUrl,
      logger: memoryLogger().logger,
    });
    bot.use(
      session({
        initial: () => ({ count: 0 }),
        storage,
        prefix: 'gone',
        getKey: (ctx) => {
          keyCalls.dead += 1;
          return `${ctx.peerId}`;
        },
      }),
    );
    bot.on('message_new', (ctx) => {
      ctx.session.count += 1;
    });
    vk.user(7).send('hello');
    for (const update of next()) await bot.handleUpdate(update);
    await bot.stop();
    deadBot = new WeakRef(bot);
  })();
  expect(keyCalls.dead).toBe(1);
  expect(await collectUntil(() => deadBot?.deref() === undefined)).toBe(true);

  const live = new Bot<Counter>({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  try {
    live.use(session({ initial: () => ({ count: 0 }), storage, getKey: (ctx) => `${ctx.peerId}` }));
    live.on('message_new', (ctx) => {
      ctx.session.count += 1;
    });
    vk.user(7).send('again');
    const updates: VkParsedUpdate[] = next();
    expect(updates).toHaveLength(1);
    for (const update of updates) await live.handleUpdate(update);
    // The live session has the key of the same user; the dead one's key function is not asked.
    expect(keyCalls.dead).toBe(1);
    expect((await storage.get(featureKey('7', 'session')))?.value).toEqual({ count: 1 });
  } finally {
    await live.stop();
  }
});
