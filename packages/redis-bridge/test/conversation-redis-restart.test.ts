// A durable conversation across a Redis restart, on a private AOF redis-server (appendfsync always).
import {
  Bot,
  type Context,
  type ConversationOutcome,
  type ConversationsFlavor,
  conversations,
  type SessionFlavor,
  session,
} from '@vkwire/bot-framework';
import { silentLogger } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { createSandbox } from '@vkwire/sandbox';
import { startRedisServer, stopRedisServer } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { RedisLease, RedisStorage } from '../src/stores/index.js';
import { privateRedis } from './private-redis.js';

const redis = privateRedis();

type C = Context & SessionFlavor<{ steps: number }> & ConversationsFlavor;

test('Redis restarting under a conversation: the answer sent meanwhile is taken once it is back, nothing done twice', async () => {
  await using vk = await createSandbox({ rateLimit: false });
  const storage = new RedisStorage({ redis: redis.server.url });
  const lease = new RedisLease({ redis: redis.server.url });
  const bot = new Bot<C>({ token: vk.group.token, baseUrl: vk.apiUrl, logger: silentLogger });
  const errors: Error[] = [];
  bot.catch((error) => {
    errors.push(error);
  });
  const ends: ConversationOutcome[] = [];
  const flows = conversations<C>({ storage, lease }).define('register', async (conv) => {
    await conv.reply('Your name?');
    const name = (await conv.waitFor('message')).text;
    await conv.external((live) => {
      live.session.steps++;
    });
    await conv.reply('Your age?');
    const age = (await conv.waitFor('message')).text;
    await conv.external((live) => {
      live.session.steps++;
    });
    await conv.reply(`Registered: ${name}, ${age}`);
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
  let handled = 0;
  const say = (text: string): Promise<void> => {
    vk.user(41).send(text);
    const fresh = (
      vk.events().filter((update) => update.type === 'message_new') as unknown as VkParsedUpdate[]
    ).slice(handled);
    handled += fresh.length;
    return Promise.all(fresh.map((update) => bot.handleUpdate(update))).then(() => undefined);
  };
  await say('/register');
  await say('Ann');
  await stopRedisServer(redis.server);
  const answered = say('25');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await startRedisServer(redis.server);
  await answered;
  await say('/steps');
  expect(errors).toEqual([]);
  expect(vk.sent({ peer: 41 }).map((message) => message.text)).toEqual([
    'Your name?',
    'Your age?',
    'Registered: Ann, 25',
    'steps: 2',
  ]);
  expect(ends).toEqual([{ status: 'done', result: 'Ann' }]);
  expect(await storage.get(`${vk.group.id}:conversation:{uc:41:41}`)).toBeUndefined();
  await bot.stop();
  await Promise.all([storage.close(), lease.close()]);
});
