import { MemoryKeyValueStore } from '@vkwire/core';
import { expect, test } from 'vitest';
import type { Context } from '../src/context.js';
import {
  type ConversationOutcome,
  type ConversationsFlavor,
  conversations,
  type SessionFlavor,
  session,
} from '../src/state/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

type RegContext = Context & ConversationsFlavor & SessionFlavor<{ steps: number }>;

/** name → age → done; counts its runs and its session writes (made in conv.external) by step. */
function registration(storage: MemoryKeyValueStore, runs: { count: number } = { count: 0 }) {
  return conversations<RegContext>({ storage }).define('register', async (conv, ctx) => {
    runs.count++;
    await conv.reply(`Hello, ${ctx.senderId}. Your name?`);
    const name = (await conv.waitFor('message')).text ?? '';
    await conv.external((live) => {
      live.session.steps++;
    });
    const answer = await conv.waitFor((next) => /^\d+$/.test(next.text ?? ''), {
      otherwise: 'A number, please.',
    });
    await conv.external((live) => {
      live.session.steps++;
    });
    await answer.reply(`Registered: ${name}, ${answer.text}`);
    return { name, age: Number(answer.text) };
  });
}

function wire(
  bot: ReturnType<typeof stateBot<RegContext>>['bot'],
  flows: ReturnType<typeof registration>,
  sessions: MemoryKeyValueStore,
) {
  bot.use(session({ initial: () => ({ steps: 0 }), storage: sessions }));
  bot.use(flows);
  bot.command('register', async (ctx) => {
    await ctx.conversations.enter('register');
  });
  bot.command('steps', (ctx) => `steps: ${ctx.session.steps}`);
  bot.on('message_new', () => 'Say /register.');
}

test('a register flow keeps two users interleaving apart, replies once, writes the session once per step', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<RegContext>(vk);
  const runs = { count: 0 };
  const sessions = new MemoryKeyValueStore();
  wire(bot, registration(new MemoryKeyValueStore(), runs), sessions);
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/register');
  await say(vk, bot, next, 2, '/register');
  await say(vk, bot, next, 1, 'Ann');
  await say(vk, bot, next, 2, 'Bob');
  await say(vk, bot, next, 2, 'thirty');
  await say(vk, bot, next, 2, '30');
  await say(vk, bot, next, 1, '25');
  await say(vk, bot, next, 1, '/steps');
  await say(vk, bot, next, 1, 'hello');
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Hello, 1. Your name?', 'Registered: Ann, 25', 'steps: 2', 'Say /register.']);
  expect(texts(vk, 2)).toEqual(['Hello, 2. Your name?', 'A number, please.', 'Registered: Bob, 30']);
  // each user: the first run, a replay for the name, one for the refused age (user 2), one for the age
  expect(runs.count).toBe(7);
});

test('a bot stopped mid-flow: a new bot on the same storage continues it without repeating anything', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const sessions = new MemoryKeyValueStore();
  const next = inbox(vk);
  const first = stateBot<RegContext>(vk);
  wire(first.bot, registration(storage), sessions);
  await say(vk, first.bot, next, 1, '/register');
  await say(vk, first.bot, next, 1, 'Ann');
  await first.bot.stop();
  const second = stateBot<RegContext>(vk);
  const flows = registration(storage);
  const ends: ConversationOutcome[] = [];
  flows.onEnd('register', (_ctx, outcome) => {
    ends.push(outcome);
  });
  wire(second.bot, flows, sessions);
  await say(vk, second.bot, next, 1, '41');
  await say(vk, second.bot, next, 1, '/steps');
  expect([...first.errors, ...second.errors]).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Hello, 1. Your name?', 'Registered: Ann, 41', 'steps: 2']);
  expect(ends).toEqual([{ status: 'done', result: { name: 'Ann', age: 41 } }]);
});

test('a throwing step ends the conversation, clears it, and reports the error', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<Context & ConversationsFlavor>(vk);
  const storage = new MemoryKeyValueStore();
  const flows = conversations({ storage }).define('fragile', async (conv) => {
    await conv.reply('Say something.');
    const said = await conv.waitFor('message');
    if (said.text === 'boom') throw new Error('the step broke');
    await conv.reply('Fine.');
  });
  const ends: string[] = [];
  flows.onEnd('fragile', (_ctx, outcome) => {
    ends.push(outcome.status);
  });
  bot.use(flows);
  bot.command('go', async (ctx) => {
    await ctx.conversations.enter('fragile');
  });
  bot.on('message_new', (ctx) => `free: ${ctx.conversations.active ?? 'none'}`);
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/go');
  expect(await storage.get(`${vk.group.id}:conversation:{uc:1:1}`)).toBeDefined();
  await say(vk, bot, next, 1, 'boom');
  await say(vk, bot, next, 1, 'hello');
  expect(errors.map((error) => error.message)).toEqual(['the step broke']);
  expect(ends).toEqual(['failed']);
  expect(texts(vk, 1)).toEqual(['Say something.', 'free: none']);
  expect(await storage.get(`${vk.group.id}:conversation:{uc:1:1}`)).toBeUndefined();
});
