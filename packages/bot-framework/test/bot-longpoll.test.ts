import { expect, test, vi } from 'vitest';
import { BotStateError } from '../src/errors.js';
import { deferred, sandbox, startedBot } from './helpers.js';

const USER = 193847562;

test('answers /ping over Bots Long Poll, a returned string is the reply', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('ping', () => 'pong');
    bot.hears(/^hi\b/i, (ctx) => `hi, ${ctx.match[0]}`);
  });
  vk.user(USER).send('/ping');
  vk.user(USER).send('Hi there');
  vk.user(USER).send('nothing for me');
  await seen.until(3);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['pong', 'hi, Hi']);
});

test('commands: prefixes, aliases, case, a mention of the community in a chat, sub-commands', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [USER] });
  const calls: string[] = [];
  const { seen } = await startedBot(
    vk,
    (bot) => {
      bot.command(['start', 'begin'], (ctx) => {
        calls.push(`start via ${ctx.command.invokedAs} with ${ctx.command.prefix}`);
      });
      bot.command('admin', (ctx) => {
        calls.push(`admin: ${ctx.command.argsText}`);
      });
      bot.command('admin ban', (ctx) => {
        calls.push(`admin ban: ${ctx.command.argsText}`);
      });
    },
    { prefixes: ['/', '!'] },
  );
  const user = vk.user(USER);
  user.send('/start');
  user.send('!BEGIN');
  user.send('/ start');
  user.send('/admin list');
  user.send('/admin ban @durov', { peerId: chat.peerId });
  user.send(`[club${vk.group.id}|@bot], /start`, { peerId: chat.peerId });
  user.send('[club1|@other] /start', { peerId: chat.peerId });
  await seen.until(7);
  // Conversations run side by side: order holds within each one.
  expect(calls.sort()).toEqual([
    'admin ban: @durov',
    'admin: list',
    'start via BEGIN with !',
    'start via start with /',
    'start via start with /',
  ]);
});

test('on(type) gets the typed update; "message" skips service messages', async () => {
  const vk = await sandbox();
  const texts: string[] = [];
  const joins: number[] = [];
  const chat = vk.createChat({ title: 'team', members: [USER] });
  const { seen } = await startedBot(vk, (bot) => {
    bot.on('message', (ctx) => {
      texts.push(ctx.message.text);
    });
    bot.on('group_join', (ctx) => {
      joins.push(ctx.update.object.user_id);
    });
  });
  vk.user(USER).send('hello');
  chat.invite(777);
  vk.user(USER).join();
  await seen.until(3);
  expect(texts).toEqual(['hello']);
  expect(joins).toEqual([USER]);
});

test('a throwing handler is reported with the update type and event id, and the bot goes on', async () => {
  const vk = await sandbox();
  const caught: string[] = [];
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.command('boom', () => {
      throw new Error('kaboom');
    });
    bot.command('ping', () => 'pong');
  });
  vk.user(USER).send('/boom');
  vk.user(USER).send('/ping');
  await seen.until(2);
  expect(log.errors).toHaveLength(1);
  expect(log.errors[0]?.fields).toMatchObject({ type: 'message_new', error: 'Error: kaboom' });
  expect((log.errors[0]?.fields as { event_id?: string } | undefined)?.event_id).toMatch(/.+/);
  expect(JSON.stringify(log.errors)).not.toContain(vk.group.token);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['pong']);
  expect(caught).toEqual([]);
});

test('bot.catch takes handler errors; what it throws again is logged', async () => {
  const vk = await sandbox();
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.catch(async (error, ctx) => {
      if (error.message === 'rethrow') throw new Error('from catch');
      await ctx.reply(`oops: ${error.message}`);
    });
    bot.command('fail', () => {
      throw new Error('bad input');
    });
    bot.command('worse', () => {
      throw new Error('rethrow');
    });
  });
  vk.user(USER).send('/fail');
  vk.user(USER).send('/worse');
  await seen.until(2);
  // The bot's own error handling runs after the tree has unwound.
  await vi.waitFor(() => expect(log.errors).toHaveLength(1));
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['oops: bad input']);
  expect(log.errors.map((entry) => (entry.fields as { error: string }).error)).toEqual(['Error: from catch']);
});

test('stop() waits for a handler in flight; nothing is handled after it resolves', async () => {
  const vk = await sandbox();
  let release: () => void = () => {};
  const started = deferred();
  const handled: string[] = [];
  const { bot } = await startedBot(vk, (bot) => {
    bot.on('message_new', async (ctx) => {
      started.resolve();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      handled.push(ctx.message.text);
      await ctx.reply('done');
    });
  });
  vk.user(USER).send('slow');
  await started.promise;
  const stopping = bot.stop();
  release();
  expect(await stopping).toEqual({ abandoned: 0 });
  expect(handled).toEqual(['slow']);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['done']);
  vk.user(USER).send('after stop');
  await expect(bot.handleUpdate(vk.events().at(-1) as never)).rejects.toBeInstanceOf(BotStateError);
  await expect(bot.start()).rejects.toMatchObject({ code: 'bot_stopped' });
  expect(handled).toEqual(['slow']);
});

test('stop() gives up after stopTimeoutMs: the handler signal is aborted and it counts as abandoned', async () => {
  const vk = await sandbox();
  const started = deferred();
  let aborted = false;
  const { bot } = await startedBot(
    vk,
    (bot) => {
      bot.on('message_new', async (ctx) => {
        started.resolve();
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        aborted = ctx.signal.aborted;
      });
    },
    { stopTimeoutMs: 50 },
  );
  vk.user(USER).send('stuck');
  await started.promise;
  expect(await bot.stop()).toEqual({ abandoned: 1 });
  expect(aborted).toBe(true);
});
