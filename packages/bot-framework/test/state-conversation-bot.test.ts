import { MemoryKeyValueStore } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import type { Sandbox } from '@vkwire/sandbox';
import { afterEach, expect, expectTypeOf, test, vi } from 'vitest';
import { Bot } from '../src/bot.js';
import type { Context } from '../src/context.js';
import {
  type Conversation,
  type ConversationOutcome,
  type ConversationsFlavor,
  ConversationTimeoutError,
  type SessionFlavor,
  session,
} from '../src/index.js';
import { cleanup, memoryLogger, sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

type RegContext = Context & ConversationsFlavor & SessionFlavor<{ registered: number }>;

afterEach(() => {
  vi.useRealTimers();
});

/** A bot whose bot.conversation() keeps conversations in `storage`, with the errors it reported. */
function storedBot(vk: Sandbox, storage: MemoryKeyValueStore): { bot: Bot<RegContext>; errors: Error[] } {
  const bot = new Bot<RegContext>({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    conversations: { storage, ttlMs: 3_600_000 },
  });
  const errors: Error[] = [];
  bot.catch((error) => void errors.push(error));
  cleanup(() => bot.stop());
  return { bot, errors };
}

/** bot.conversation('register', ...) after the session, entered by /register; ends are logged. */
function wire(bot: Bot<RegContext>, ends: ConversationOutcome[]): void {
  bot.use(session({ initial: () => ({ registered: 0 }), storage: new MemoryKeyValueStore() }));
  bot.conversation(
    'register',
    async (conv, ctx) => {
      expectTypeOf(conv).toEqualTypeOf<Conversation<RegContext, Context>>();
      await ctx.reply('Your name?');
      const name = await conv.waitFor('message');
      await conv.reply('Your age?');
      const age = await conv.waitFor((next) => /^\d+$/.test(next.text ?? ''), {
        otherwise: 'A number, please.',
      });
      await conv.external((live) => {
        live.session.registered++;
      });
      await conv.reply(`Registered: ${name.text}, ${age.text}`);
      return { name: name.text, age: Number(age.text) };
    },
    { onEnd: (_ctx, outcome) => void ends.push(outcome) },
  );
  bot.command('register', async (ctx) => {
    await ctx.conversations.enter('register');
  });
  bot.command('count', (ctx) => `registered ${ctx.session.registered}`);
  bot.on('message_new', (ctx) => `echo ${ctx.text}`);
}

test('bot.conversation defines a conversation in the bot option storage; a new bot on it continues the flow', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const ends: ConversationOutcome[] = [];
  const next = inbox(vk);
  const { bot: one, errors } = storedBot(vk, storage);
  wire(one, ends);
  await say(vk, one, next, 1, '/register');
  await say(vk, one, next, 1, 'Ann');
  // Stored under the community, the feature, the user in the chat.
  expect((await storage.get(`${vk.group.id}:conversation:{uc:1:1}`))?.value).toMatchObject({
    name: 'register',
  });
  await one.stop();
  const { bot: two, errors: later } = storedBot(vk, storage);
  wire(two, ends);
  await say(vk, two, next, 1, 'old');
  await say(vk, two, next, 1, '30');
  await say(vk, two, next, 1, '/count');
  await say(vk, two, next, 1, 'hello');
  expect([...errors, ...later]).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name?',
    'Your age?',
    'A number, please.',
    'Registered: Ann, 30',
    'registered 1',
    'echo hello',
  ]);
  expect(ends).toEqual([{ status: 'done', result: { name: 'Ann', age: 30 } }]);
  expect(await storage.get(`${vk.group.id}:conversation:{uc:1:1}`)).toBeUndefined();
});

test('bot.conversation refuses a name defined twice', async () => {
  const vk = await sandbox();
  const { bot } = stateBot<RegContext>(vk);
  bot.conversation('a', async () => {});
  expect(() => bot.conversation('a', async () => {})).toThrow(/name/);
});

/** A conversation whose first wait has a 60 s timeout; the second catches its expiry and goes on. */
function timed(bot: Bot<RegContext>, ends: ConversationOutcome[], caught: string[]): void {
  bot.conversation(
    'quiz',
    async (conv) => {
      await conv.reply('Name, within a minute?');
      const name = await conv.waitFor('message', { timeout: 60_000, onTimeout: 'Too slow: /quiz again.' });
      await conv.reply(`Colour, ${name.text}?`);
      let colour = 'grey';
      try {
        colour = (await conv.waitFor('message', { timeout: 60_000 })).text ?? '';
      } catch (error) {
        if (!(error instanceof ConversationTimeoutError)) throw error;
        caught.push(`${error.code} ${error.timeoutMs}`);
        await conv.reply('No colour: grey it is.');
      }
      await conv.reply(`${name.text} likes ${colour}.`);
      const last = await conv.waitFor('message');
      return last.text;
    },
    { onEnd: (_ctx, outcome) => void ends.push(outcome) },
  );
  bot.command('quiz', (ctx) => ctx.conversations.enter('quiz').then(() => undefined));
  bot.on('message_new', (ctx) => `echo ${ctx.text}`);
}

test('conv.waitFor timeout: an uncaught expiry ends the conversation with onTimeout and status "timeout"', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<RegContext>(vk);
  const ends: ConversationOutcome[] = [];
  timed(bot, ends, []);
  const next = inbox(vk);
  vi.useFakeTimers({ toFake: ['Date'] });
  await say(vk, bot, next, 1, '/quiz');
  vi.setSystemTime(Date.now() + 61_000);
  await say(vk, bot, next, 1, 'Ann'); // too late: taken by the expiry, not by the wait or the echo
  await say(vk, bot, next, 1, 'hello');
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Name, within a minute?', 'Too slow: /quiz again.', 'echo hello']);
  expect(ends).toEqual([{ status: 'timeout', error: expect.any(ConversationTimeoutError) }]);
  const error = (ends[0] as { error: ConversationTimeoutError }).error;
  expect(error.code).toBe('wait_timeout');
  expect(error.conversation).toBe('quiz');
});

test('conv.waitFor timeout: the deadline is stored, survives a refused update and a restart; a caught expiry goes on', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const ends: ConversationOutcome[] = [];
  const caught: string[] = [];
  const next = inbox(vk);
  vi.useFakeTimers({ toFake: ['Date'] });
  const make = () => {
    const made = storedBot(vk, storage);
    timed(made.bot, ends, caught);
    return made;
  };
  const one = make();
  await say(vk, one.bot, next, 1, '/quiz');
  vi.setSystemTime(Date.now() + 30_000);
  await say(vk, one.bot, next, 1, 'Ann'); // in time: the second wait starts its own minute now
  const stored = (await storage.get(`${vk.group.id}:conversation:{uc:1:1}`))?.value as {
    wait: { deadline: number };
  };
  expect(stored.wait.deadline).toBe(Date.now() + 60_000);
  await one.bot.stop();
  const two = make();
  vi.setSystemTime(Date.now() + 59_000);
  // A press the wait does not take passes on and keeps the deadline where it was.
  vk.user(1).pressCallbackButton(1, 1, { x: 1 });
  for (const update of vk.events().filter((u) => u.type === 'message_event'))
    await two.bot.handleUpdate(update as unknown as VkParsedUpdate);
  vi.setSystemTime(Date.now() + 2_000);
  await say(vk, two.bot, next, 1, 'blue'); // 61 s after the wait began: expired, caught, goes on
  await say(vk, two.bot, next, 1, 'bye');
  expect([...one.errors, ...two.errors]).toEqual([]);
  // The catch runs again when the run replays for 'bye' (plain code is replayed; its reply is not resent).
  expect(caught).toEqual(['wait_timeout 60000', 'wait_timeout 60000']);
  expect(texts(vk, 1)).toEqual([
    'Name, within a minute?',
    'Colour, Ann?',
    'No colour: grey it is.',
    'Ann likes grey.',
  ]);
  expect(ends).toEqual([{ status: 'done', result: 'bye' }]);
});

test('a bad timeout is a typed error', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<RegContext>(vk);
  const ends: ConversationOutcome[] = [];
  bot.conversation('bad', async (conv) => conv.waitFor('message', { timeout: -1 }), {
    onEnd: (_ctx, outcome) => void ends.push(outcome),
  });
  bot.command('bad', async (ctx) => {
    await ctx.conversations.enter('bad');
  });
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/bad');
  expect(errors).toEqual([expect.objectContaining({ name: 'ConversationError', code: 'wait_timeout' })]);
  expect(ends).toEqual([{ status: 'failed', error: errors[0] }]);
});
