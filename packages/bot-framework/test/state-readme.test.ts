// The README's state example, as written there, through the package's public entry.
import { expect, test } from 'vitest';
import { z } from 'zod';
import { type Context, type FsmFlavor, fsm, type SessionFlavor, session, stateData } from '../src/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

test('the README state example: a session counter and a two-step FSM with a cancel command', async () => {
  const vk = await sandbox();
  const registration = fsm({
    states: { ask_name: stateData(), ask_age: z.object({ name: z.string().min(1) }) },
    transitions: { ask_name: ['ask_age'] },
    cancel: { command: 'cancel', reply: 'Cancelled.' },
    ttlMs: 3_600_000,
  });
  type MyContext = Context & SessionFlavor<{ count: number }> & FsmFlavor<typeof registration.states>;
  const { bot, errors } = stateBot<MyContext>(vk);
  bot.use(session({ initial: () => ({ count: 0 }) }), registration);
  bot.command('register', async (ctx) => {
    ctx.session.count++;
    await ctx.fsm.set('ask_name');
    return `Your name? (try ${ctx.session.count})`;
  });
  bot.use(
    registration.state('ask_name', async (ctx) => {
      await ctx.fsm.set('ask_age', { name: ctx.text ?? '' });
      return 'Your age?';
    }),
    registration.state('ask_age', async (ctx) => {
      const { name } = ctx.fsm.current.data;
      await ctx.fsm.clear();
      return `${name}, ${ctx.text}`;
    }),
  );
  const asked: string[] = [];
  registration.onEnter('ask_age', (_ctx, data) => {
    asked.push(data.name);
  });
  const next = inbox(vk);
  for (const text of ['/register', 'Ann', '/cancel', '/register', 'Bo', '7'])
    await say(vk, bot, next, 1, text);
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name? (try 1)',
    'Your age?',
    'Cancelled.',
    'Your name? (try 2)',
    'Your age?',
    'Bo, 7',
  ]);
  expect(asked).toEqual(['Ann', 'Bo']);
});
