import { MemoryKeyValueStore } from '@vkwire/core';
import { expect, test } from 'vitest';
import type { Context } from '../src/context.js';
import { type SessionFlavor, session } from '../src/state/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, stateBot } from './state-helpers.js';

type Profile = Context & SessionFlavor<{ count: number; age?: string }>;

test('a session changed after ctx.waitFor is written when the handler finishes; updates the wait skips run after it', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [7, 8] });
  const { bot, errors } = stateBot<Profile>(vk);
  const storage = new MemoryKeyValueStore();
  bot.use(session({ initial: () => ({ count: 0 }), storage, strategy: 'chat' }));
  const log: string[] = [];
  bot.command('age', async (ctx) => {
    ctx.session.count++;
    await ctx.reply('age?');
    try {
      const age = await ctx.waitFor({ type: 'message', text: /^\d+$/ }, { timeout: 10_000 });
      ctx.session.age = age.text; // after the wait: written when this handler finishes
      ctx.session.count++;
      log.push(`answered ${age.text}`);
    } catch (error) {
      log.push(String(error));
    }
  });
  bot.on('message', (ctx) => {
    log.push(`${ctx.senderId}: ${ctx.text} ${JSON.stringify(ctx.session)}`);
  });
  const next = inbox(vk);
  const key = `${vk.group.id}:session:{c:${chat.peerId}}`;
  vk.user(7).send('/age', { peerId: chat.peerId });
  for (const update of next()) await bot.handleUpdate(update);
  // The handler waits, holding the chat's session: not written yet.
  expect(await storage.get(key)).toBeUndefined();
  // The same user says something the wait does not take, another member too, then the answer.
  vk.user(7).send('hmm', { peerId: chat.peerId });
  vk.user(8).send('hi all', { peerId: chat.peerId });
  vk.user(7).send('42', { peerId: chat.peerId });
  vk.user(8).send('bye', { peerId: chat.peerId });
  await Promise.all(next().map((update) => bot.handleUpdate(update)));
  await bot.stop(); // waits for the updates handled aside
  expect(errors).toEqual([]);
  // The answer reached the wait (no timeout); what it skipped ran after the handler, in order,
  // seeing its session; the update after the answer came last.
  expect(log).toEqual([
    'answered 42',
    `7: hmm {"count":2,"age":"42"}`,
    `8: hi all {"count":2,"age":"42"}`,
    `8: bye {"count":2,"age":"42"}`,
  ]);
  expect((await storage.get(key))?.value).toEqual({ count: 2, age: '42' });
  expect(texts(vk, chat.peerId)).toEqual(['age?']);
});
