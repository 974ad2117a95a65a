// The README's conversation example, as written there, through the package's public entry.
import { MemoryKeyValueStore } from '@vkwire/core';
import { expect, test } from 'vitest';
import {
  type Context,
  type ConversationOutcome,
  type ConversationsFlavor,
  conversations,
  type SessionFlavor,
  session,
} from '../src/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

type MyContext = Context & SessionFlavor<{ count: number }> & ConversationsFlavor;

function worker(
  vk: Parameters<typeof stateBot>[0],
  storage: MemoryKeyValueStore,
  ends: ConversationOutcome[],
) {
  const flows = conversations<MyContext>({ storage, ttlMs: 86_400_000 }).define(
    'register',
    async (conv, ctx) => {
      await ctx.reply('Your name?');
      const name = (await conv.waitFor('message')).text;
      const answer = await conv.waitFor((next) => /^\d+$/.test(next.text ?? ''), {
        otherwise: 'A number, please.',
      });
      await conv.external((live) => {
        live.session.count++;
      });
      await conv.reply(`Registered: ${name}, ${answer.text}`);
      return { name, age: Number(answer.text) };
    },
  );
  flows.onEnd('register', (_ctx, outcome) => {
    ends.push(outcome);
  });
  const made = stateBot<MyContext>(vk);
  made.bot.use(session({ initial: () => ({ count: 0 }), storage }), flows);
  made.bot.command('register', async (ctx) => {
    await ctx.conversations.enter('register');
  });
  made.bot.command('count', (ctx) => `count: ${ctx.session.count}`);
  return made;
}

test('the README conversation: name, a refused age, a restart, the age on a new bot', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const ends: ConversationOutcome[] = [];
  const next = inbox(vk);
  const first = worker(vk, storage, ends);
  for (const text of ['/register', 'Ann', 'old']) await say(vk, first.bot, next, 7, text);
  await first.bot.stop();
  const second = worker(vk, storage, ends);
  for (const text of ['33', '/count']) await say(vk, second.bot, next, 7, text);
  expect([...first.errors, ...second.errors]).toEqual([]);
  expect(texts(vk, 7)).toEqual(['Your name?', 'A number, please.', 'Registered: Ann, 33', 'count: 1']);
  expect(ends).toEqual([{ status: 'done', result: { name: 'Ann', age: 33 } }]);
});
