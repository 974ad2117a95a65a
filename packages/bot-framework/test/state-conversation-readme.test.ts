// The README's conversation example, as written there, through the package's public entry.
import { MemoryKeyValueStore } from '@vkwire/core';
import { afterEach, expect, test, vi } from 'vitest';
import {
  Bot,
  type Context,
  type ConversationOutcome,
  type ConversationsFlavor,
  ConversationTimeoutError,
  conversations,
  type SessionFlavor,
  session,
} from '../src/index.js';
import { cleanup, memoryLogger, sandbox, texts } from './helpers.js';
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

afterEach(() => {
  vi.useRealTimers();
});

/** The README's bot.conversation example, with a memory storage in place of Redis. */
function readmeBot(
  vk: Parameters<typeof stateBot>[0],
  storage: MemoryKeyValueStore,
  ends: ConversationOutcome[],
) {
  const token = vk.group.token;
  const bot = new Bot<MyContext>({
    token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    conversations: { storage, ttlMs: 86_400_000 },
  });
  const errors: Error[] = [];
  bot.catch((error) => void errors.push(error));
  cleanup(() => bot.stop());

  bot.use(session({ initial: () => ({ count: 0 }), storage })); // before: conv.external() sees it
  bot.conversation(
    'register',
    async (conv, ctx) => {
      await ctx.reply('Your name?'); // the contexts conv hands out reply through conv: sent once
      const name = (
        await conv.waitFor('message', { timeout: 600_000, onTimeout: 'Too slow: /register again.' })
      ).text;
      let age = 0;
      try {
        const answer = await conv.waitFor((next) => /^\d+$/.test(next.text ?? ''), {
          otherwise: 'A number, please.',
          timeout: 600_000,
        });
        age = Number(answer.text);
      } catch (error) {
        if (!(error instanceof ConversationTimeoutError)) throw error;
        await conv.reply('No age then.'); // caught: the conversation goes on
      }
      // a side effect: done once, its result logged
      await conv.external((live) => {
        live.session.count++;
      });
      await conv.reply(`Registered: ${name}, ${age}`);
      return { name, age };
    },
    { onEnd: (_ctx, outcome) => void ends.push(outcome) },
  );
  bot.command('register', async (ctx) => {
    await ctx.conversations.enter('register');
  });
  bot.command('count', (ctx) => `count: ${ctx.session.count}`);
  return { bot, errors };
}

test('the README bot.conversation: a refused age, a restart, the age wait expires and is caught; a second run times out the name', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const ends: ConversationOutcome[] = [];
  const next = inbox(vk);
  vi.useFakeTimers({ toFake: ['Date'] });
  const first = readmeBot(vk, storage, ends);
  for (const text of ['/register', 'Ann', 'old']) await say(vk, first.bot, next, 7, text);
  await first.bot.stop();
  const second = readmeBot(vk, storage, ends);
  vi.setSystemTime(Date.now() + 600_001);
  for (const text of ['33', '/count', '/register']) await say(vk, second.bot, next, 7, text);
  vi.setSystemTime(Date.now() + 600_001);
  for (const text of ['Bob', '/count']) await say(vk, second.bot, next, 7, text);
  expect([...first.errors, ...second.errors]).toEqual([]);
  expect(texts(vk, 7)).toEqual([
    'Your name?',
    'A number, please.',
    'No age then.',
    'Registered: Ann, 0',
    'count: 1',
    'Your name?',
    'Too slow: /register again.',
    'count: 1',
  ]);
  expect(ends).toEqual([
    { status: 'done', result: { name: 'Ann', age: 0 } },
    { status: 'timeout', error: expect.any(ConversationTimeoutError) },
  ]);
});
