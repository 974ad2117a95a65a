import { randomUUID } from 'node:crypto';
import {
  Bot,
  type Context,
  type ConversationOutcome,
  type ConversationsFlavor,
  ConversationTimeoutError,
  conversations,
  type SessionFlavor,
  session,
} from '@vkwire/bot-framework';
import { silentLogger } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { createSandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { afterEach, expect, test, vi } from 'vitest';
import { RedisLease, RedisStorage } from '../src/stores/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const close of closers.splice(0).reverse()) await close();
});

type C = Context & SessionFlavor<{ steps: number }> & ConversationsFlavor;

test('a durable conversation on Redis: steps land on either worker, one restarted mid-flow, nothing repeated', async () => {
  await using vk = await createSandbox({ rateLimit: false });
  const prefix = `test:${randomUUID()}:`;
  const storage = new RedisStorage({ redis: redisUrl(), prefix });
  const lease = new RedisLease({ redis: redisUrl(), prefix });
  closers.push(
    () => storage.close(),
    () => lease.close(),
  );
  const ends: ConversationOutcome[] = [];
  let runs = 0;
  const build = () => {
    const bot = new Bot<C>({ token: vk.group.token, baseUrl: vk.apiUrl, logger: silentLogger });
    const errors: Error[] = [];
    bot.catch((error) => {
      errors.push(error);
    });
    closers.push(() => bot.stop());
    const flows = conversations<C>({ storage, lease }).define('register', async (conv, ctx) => {
      runs++;
      await ctx.reply('Your name?');
      const name = (await conv.waitFor('message')).text;
      await conv.external((live) => {
        live.session.steps++;
      });
      const age = await conv.waitFor((next) => /^\d+$/.test(next.text ?? ''), {
        otherwise: 'A number, please.',
      });
      await conv.external((live) => {
        live.session.steps++;
      });
      await age.reply(`Registered: ${name}, ${age.text}`);
      return name;
    });
    flows.onEnd('register', (_ctx, outcome) => {
      ends.push(outcome);
    });
    bot.use(session({ initial: () => ({ steps: 0 }), storage, lease }), flows);
    bot.command('register', async (ctx) => {
      await ctx.conversations.enter('register');
    });
    bot.command('steps', (ctx) => `steps: ${ctx.session.steps}`);
    return { bot, errors };
  };
  let handled = 0;
  const step = async (bot: Bot<C>, from: number, text: string) => {
    vk.user(from).send(text);
    const fresh = (
      vk.events().filter((update) => update.type === 'message_new') as unknown as VkParsedUpdate[]
    ).slice(handled);
    handled += fresh.length;
    for (const update of fresh) await bot.handleUpdate(update);
  };
  const first = build();
  const second = build();
  await step(first.bot, 31, '/register');
  await step(second.bot, 32, '/register');
  await step(second.bot, 31, 'Ann');
  await step(first.bot, 32, 'Bob');
  await step(first.bot, 31, 'old');
  await first.bot.stop();
  const restarted = build();
  await step(restarted.bot, 31, '25');
  await step(second.bot, 32, '30');
  await step(restarted.bot, 31, '/steps');
  expect([...first.errors, ...second.errors, ...restarted.errors]).toEqual([]);
  const said = (peer: number) => vk.sent({ peer }).map((message) => message.text);
  expect(said(31)).toEqual(['Your name?', 'A number, please.', 'Registered: Ann, 25', 'steps: 2']);
  expect(said(32)).toEqual(['Your name?', 'Registered: Bob, 30']);
  expect(ends.map((end) => (end.status === 'done' ? end.result : end.status)).sort()).toEqual(['Ann', 'Bob']);
  expect(runs).toBe(7);
  expect(await storage.get(`${vk.group.id}:conversation:{uc:31:31}`)).toBeUndefined();
});

test("bot.conversation on Redis: a wait's deadline set on one worker expires on another, the expiry caught there", async () => {
  await using vk = await createSandbox({ rateLimit: false });
  const prefix = `test:${randomUUID()}:`;
  const storage = new RedisStorage({ redis: redisUrl(), prefix });
  const lease = new RedisLease({ redis: redisUrl(), prefix });
  closers.push(
    () => storage.close(),
    () => lease.close(),
  );
  const ends: ConversationOutcome[] = [];
  const build = () => {
    const bot = new Bot<C>({
      token: vk.group.token,
      baseUrl: vk.apiUrl,
      logger: silentLogger,
      conversations: { storage, lease },
    });
    const errors: Error[] = [];
    bot.catch((error) => {
      errors.push(error);
    });
    closers.push(() => bot.stop());
    bot.conversation(
      'quiz',
      async (conv) => {
        await conv.reply('Answer within a minute.');
        try {
          return (await conv.waitFor('message', { timeout: 60_000 })).text;
        } catch (error) {
          if (!(error instanceof ConversationTimeoutError)) throw error;
          await conv.reply(`Expired after ${error.timeoutMs} ms.`);
          return 'late';
        }
      },
      { onEnd: (_ctx, outcome) => void ends.push(outcome) },
    );
    bot.command('quiz', async (ctx) => {
      await ctx.conversations.enter('quiz');
    });
    return { bot, errors };
  };
  const first = build();
  const second = build();
  const messages = () =>
    vk.events().filter((update) => update.type === 'message_new') as unknown as VkParsedUpdate[];
  vi.useFakeTimers({ toFake: ['Date'] });
  vk.user(41).send('/quiz');
  await first.bot.handleUpdate(messages()[0] as VkParsedUpdate);
  const stored = (await storage.get(`${vk.group.id}:conversation:{uc:41:41}`))?.value as {
    wait?: { deadline: number };
  };
  expect(stored.wait?.deadline).toBe(Date.now() + 60_000);
  vi.setSystemTime(Date.now() + 60_001);
  vk.user(41).send('42');
  await second.bot.handleUpdate(messages()[1] as VkParsedUpdate);
  expect([...first.errors, ...second.errors]).toEqual([]);
  expect(vk.sent({ peer: 41 }).map((message) => message.text)).toEqual([
    'Answer within a minute.',
    'Expired after 60000 ms.',
  ]);
  expect(ends).toEqual([{ status: 'done', result: 'late' }]);
  expect(await storage.get(`${vk.group.id}:conversation:{uc:41:41}`)).toBeUndefined();
});
