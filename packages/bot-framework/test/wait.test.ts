import type { VkParsedUpdate } from '@vkwire/events-schema';
import { expect, expectTypeOf, test, vi } from 'vitest';
import { Bot } from '../src/bot.js';
import type { Context } from '../src/context.js';
import type { Filtered } from '../src/filters.js';
import { WaitCancelledError, WaitTimeoutError } from '../src/state/wait/errors.js';
import { cleanup, memoryLogger, sandbox, startedBot, texts } from './helpers.js';

const ANNA = 193847562;
const BORIS = 55501;

test('waitFor takes the next message of the same user in the same chat; other users and chats go to the handlers', async () => {
  const vk = await sandbox();
  vk.user(BORIS, { firstName: 'Boris' });
  const chat = vk.createChat({ title: 'team', members: [ANNA, BORIS] });
  const handled: string[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('name', async (ctx) => {
      await ctx.reply({ message: `name? ${ctx.senderId}`, quote: false });
      const answer = await ctx.waitFor('message', { timeout: 5000 });
      expectTypeOf(answer).toEqualTypeOf<Filtered<Context, 'message'>>();
      expectTypeOf(answer.text).toEqualTypeOf<string>();
      await answer.reply({ message: `hello ${answer.text} (${answer.senderId})`, quote: false });
    });
    bot.on('message', (ctx) => {
      handled.push(`${ctx.peerId}/${ctx.senderId}: ${ctx.text}`);
    });
  });
  vk.user(ANNA).send('/name', { peerId: chat.peerId });
  vk.user(BORIS).send('/name', { peerId: chat.peerId });
  // A generous deadline for the two replies over long poll on a loaded machine (not a measurement).
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toHaveLength(2), { timeout: 10_000 });
  // Interleaved: Boris answers first, Anna writes elsewhere before answering here, Boris chats on.
  vk.user(BORIS).send('Bob', { peerId: chat.peerId });
  vk.user(ANNA).send('private note');
  vk.user(ANNA).send('Anna', { peerId: chat.peerId });
  vk.user(BORIS).send('after my answer', { peerId: chat.peerId });
  // Four updates reach the tree: the two commands and the two messages no wait took.
  await seen.until(4);
  await vi.waitFor(() => expect(texts(vk, chat.peerId)).toHaveLength(4));
  expect(texts(vk, chat.peerId).slice(2).sort()).toEqual([`hello Anna (${ANNA})`, `hello Bob (${BORIS})`]);
  // What the waits consumed reached no handler; the rest did.
  expect(handled).toEqual([`${ANNA}/${ANNA}: private note`, `${chat.peerId}/${BORIS}: after my answer`]);
});

test('waitFor with a filter skips what does not match (that goes to the handlers), and waits for a button press', async () => {
  const vk = await sandbox();
  const handled: string[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('age', async (ctx) => {
      await ctx.reply('age?');
      const age = await ctx.waitFor({ type: 'message', text: /^\d+$/ }, { timeout: 5000 });
      expectTypeOf(age.text).toEqualTypeOf<string>();
      await ctx.reply(`age ${age.text}; press`);
      const press = await age.waitFor('message_event', { timeout: 5000 });
      expectTypeOf(press.update.type).toEqualTypeOf<'message_event'>();
      await press.answer({ type: 'show_snackbar', text: `pressed ${JSON.stringify(press.payload)}` });
    });
    bot.on('message', (ctx) => {
      handled.push(ctx.text);
    });
  });
  vk.user(ANNA).send('/age');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual(['age?']));
  vk.user(ANNA).send('forty');
  vk.user(ANNA).send('40');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual(['age?', 'age 40; press']));
  const event = vk.user(ANNA).pressCallbackButton(ANNA, 1, { ok: 1 });
  await vi.waitFor(() =>
    expect(vk.eventAnswers({ eventId: event })).toEqual([
      expect.objectContaining({ snackbar: 'pressed {"ok":1}' }),
    ]),
  );
  await seen.until(2);
  expect(handled).toEqual(['forty']);
});

test('a wait times out with WaitTimeoutError; the conversation goes on', async () => {
  const vk = await sandbox();
  const errors: unknown[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('ask', async (ctx) => {
      try {
        await ctx.waitFor('message', { timeout: 150 });
      } catch (error) {
        errors.push(error);
        await ctx.reply('too slow');
      }
    });
    bot.on('message', (ctx) => `echo ${ctx.text}`);
  });
  vk.user(ANNA).send('/ask');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual(['too slow']));
  expect(errors).toEqual([expect.any(WaitTimeoutError)]);
  expect((errors[0] as WaitTimeoutError).code).toBe('wait_timeout');
  vk.user(ANNA).send('late');
  await seen.until(2);
  expect(texts(vk, ANNA)).toEqual(['too slow', 'echo late']);
});

test('stop() cancels a pending wait with WaitCancelledError and waits for the handler to finish', async () => {
  const vk = await sandbox();
  const outcome: string[] = [];
  const { bot } = await startedBot(vk, (bot) => {
    bot.command('ask', async (ctx) => {
      await ctx.reply('?');
      try {
        await ctx.waitFor('message', { timeout: 60_000 });
        outcome.push('answered');
      } catch (error) {
        outcome.push(error instanceof WaitCancelledError ? `cancelled ${error.code}` : String(error));
      }
    });
  });
  vk.user(ANNA).send('/ask');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual(['?']));
  const started = Date.now();
  const result = await bot.stop();
  expect(Date.now() - started).toBeLessThan(5000);
  expect(result.abandoned).toBe(0);
  expect(outcome).toEqual(['cancelled wait_cancelled']);
});

test('a wait started while the bot is stopping is cancelled at once', async () => {
  const vk = await sandbox();
  const { bot } = await startedBot(vk, () => {});
  const ctx = await new Promise<Context>((resolve) => {
    bot.use((c) => resolve(c));
    vk.user(ANNA).send('hi');
  });
  await bot.stop();
  await expect(ctx.waitFor('message')).rejects.toBeInstanceOf(WaitCancelledError);
});

test('the resolved context narrows with a type guard', () => {
  type Guarded = Context & { readonly text: 'yes' };
  const isYes = (ctx: Context): ctx is Guarded => ctx.text === 'yes';
  const wait = (ctx: Context) => ctx.waitFor(isYes);
  expectTypeOf<Awaited<ReturnType<typeof wait>>['text']>().toEqualTypeOf<'yes'>();
});

test('handleUpdate (the Callback API path): the waiting handler frees its conversation, each update resolves at its turn', async () => {
  const vk = await sandbox();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  cleanup(() => bot.stop());
  const steps: string[] = [];
  bot.command('quiz', async (ctx) => {
    steps.push('asked');
    const first = await ctx.waitFor('message', { timeout: 5000 });
    steps.push(`got ${first.text}`);
    const second = await first.waitFor('message', { timeout: 5000 });
    steps.push(`got ${second.text}`);
  });
  bot.on('message', (ctx) => {
    steps.push(`handler ${ctx.text}`);
  });
  vk.user(ANNA).send('/quiz');
  vk.user(BORIS).send('not mine');
  vk.user(ANNA).send('one');
  vk.user(ANNA).send('two');
  const [quiz, other, one, two] = vk.events() as unknown as VkParsedUpdate[];
  // Resolves once the handler waits, not when it ends.
  await bot.handleUpdate(quiz as VkParsedUpdate);
  expect(steps).toEqual(['asked']);
  await bot.handleUpdate(other as VkParsedUpdate);
  await bot.handleUpdate(one as VkParsedUpdate);
  expect(steps).toEqual(['asked', 'handler not mine', 'got one']);
  await bot.handleUpdate(two as VkParsedUpdate);
  expect(steps).toEqual(['asked', 'handler not mine', 'got one', 'got two']);
});
