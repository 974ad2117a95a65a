import { type CallInfo, VkApi } from '@vkwire/api-client';
import { expect, test, vi } from 'vitest';
import { type ArgumentError, arg } from '../src/args/index.js';
import { Bot } from '../src/bot.js';
import { Keyboard } from '../src/keyboard/keyboard.js';
import { cleanup, deferred, sandbox, startedBot, texts } from './helpers.js';

const USER = 193847562;

test('caseSensitive: /PING is no call of ping, /ping is; without it both are', async () => {
  const vk = await sandbox();
  const strict = await startedBot(
    vk,
    (bot) => {
      bot.command('ping', () => 'pong');
      bot.command('Stats', () => 'stats');
      bot.command('admin ban', { aliases: ['admin b'] }, () => 'banned');
      bot.on('message', (ctx) => `unmatched: ${ctx.text}`);
    },
    { caseSensitive: true },
  );
  const user = vk.user(USER);
  user.send('/PING');
  user.send('/Ping');
  user.send('/ping');
  user.send('/stats');
  user.send('/Stats');
  user.send('/admin BAN');
  user.send('/Admin b');
  user.send('/admin b');
  await strict.seen.until(8);
  expect(texts(vk, USER)).toEqual([
    'unmatched: /PING',
    'unmatched: /Ping',
    'pong',
    'unmatched: /stats',
    'stats',
    'unmatched: /admin BAN',
    'unmatched: /Admin b',
    'banned',
  ]);
  await strict.bot.stop();

  // The control: by default the case does not matter.
  const other = 555;
  const relaxed = await startedBot(vk, (bot) => {
    bot.command('ping', () => 'pong');
    bot.command('Stats', () => 'stats');
    bot.on('message', (ctx) => `unmatched: ${ctx.text}`);
  });
  vk.user(other).send('/PING');
  vk.user(other).send('/stats');
  await relaxed.seen.until(2);
  expect(texts(vk, other)).toEqual(['pong', 'stats']);
});

test('onArgumentError as a function: it gets the error, the context and the usage, and answers instead of the default', async () => {
  const vk = await sandbox();
  const seenErrors: Array<{ code: string; argument: string | undefined; usage: string; command: string }> =
    [];
  const { seen } = await startedBot(
    vk,
    (bot) => {
      // The bot's policy, for every command without its own.
      bot.command(
        'age',
        { args: { years: arg.integer().min(0).max(150) } },
        (ctx) => `age ${ctx.args.years}`,
      );
      // A command's own policy wins over the bot's.
      bot.command(
        'sort',
        {
          args: { order: arg.enum(['asc', 'desc']) },
          onArgumentError: (error, ctx, usage) => {
            seenErrors.push({ code: error.code, argument: error.argument, usage, command: ctx.command.name });
            return ctx.reply(`sort wants asc or desc, not that (${usage})`);
          },
        },
        (ctx) => `sorted ${ctx.args.order}`,
      );
      bot.command(
        'plain',
        { args: { n: arg.integer() }, onArgumentError: 'reply' },
        (ctx) => `n=${ctx.args.n}`,
      );
    },
    {
      onArgumentError: async (error: ArgumentError, ctx, usage) => {
        seenErrors.push({ code: error.code, argument: error.argument, usage, command: ctx.command.name });
        await ctx.send(`🤔 ${error.reason}`);
      },
    },
  );
  const user = vk.user(USER);
  user.send('/age 200');
  user.send('/age');
  user.send('/age 30');
  user.send('/sort up');
  user.send('/plain x');
  await seen.until(5);
  expect(texts(vk, USER)).toEqual([
    '🤔 200 is out of range: must be from 0 to 150',
    '🤔 missing <years>: expected an integer',
    'age 30',
    'sort wants asc or desc, not that (/sort <order>)',
    '"x" is not an integer (argument <n>)\nUsage: /plain <n>',
  ]);
  expect(seenErrors).toEqual([
    { code: 'out_of_range', argument: 'years', usage: '/age <years>', command: 'age' },
    { code: 'missing', argument: 'years', usage: '/age <years>', command: 'age' },
    { code: 'invalid', argument: 'order', usage: '/sort <order>', command: 'sort' },
  ]);
});

test('an onArgumentError function that throws: the error goes to the command onError, then to bot.catch', async () => {
  const vk = await sandbox();
  const caught: string[] = [];
  const answered = deferred();
  const { seen, log } = await startedBot(vk, (bot) => {
    // bot.catch wraps the whole tree (the tracker too): it tells when it answered.
    bot.catch(async (error, ctx) => {
      caught.push(`catch: ${error.message}`);
      await ctx.reply('something went wrong');
      answered.resolve();
    });
    bot.command(
      'guarded',
      {
        args: { n: arg.integer() },
        onArgumentError: (error) => {
          throw new Error(`policy refused ${error.argument}`);
        },
        onError: (error, ctx) => ctx.reply(`onError: ${error.message}`),
      },
      (ctx) => `n=${ctx.args.n}`,
    );
    bot.command(
      'open',
      {
        args: { n: arg.integer() },
        onArgumentError: () => {
          throw new Error('no onError here');
        },
      },
      (ctx) => `n=${ctx.args.n}`,
    );
  });
  vk.user(USER).send('/guarded x');
  vk.user(USER).send('/open x');
  await seen.until(2);
  await answered.promise;
  expect(texts(vk, USER)).toEqual(['onError: policy refused n', 'something went wrong']);
  expect(caught).toEqual(['catch: no onError here']);
  expect(log.errors).toEqual([]);
});

test('ctx.answer opens a link or an app on a callback button press; the sandbox records the event_data', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('menu', (ctx) =>
      ctx.reply({
        message: 'Menu',
        keyboard: Keyboard.inline()
          .callback('Site', { payload: { cmd: 'site' } })
          .callback('App', { payload: { cmd: 'app' } }),
      }),
    );
    bot.button({ cmd: 'site' }, (ctx) => ctx.answer({ type: 'open_link', link: 'https://example.com/docs' }));
    bot.button({ cmd: 'app' }, (ctx) =>
      ctx.answer({ type: 'open_app', app_id: 6_798_836, owner_id: -vk.group.id, hash: 'start' }),
    );
  });
  vk.user(USER).send('/menu');
  await seen.until(1);
  const [menu] = vk.sent({ peer: USER });
  const site = vk.user(USER).pressCallbackButton(USER, menu?.cmid ?? 0, { cmd: 'site' });
  const app = vk.user(USER).pressCallbackButton(USER, menu?.cmid ?? 0, { cmd: 'app' });
  // A press nobody handles: the bot answers it itself, after the two before it (one conversation
  // keeps its order), so once it is answered the two before are fully done.
  const unhandled = vk.user(USER).pressCallbackButton(USER, menu?.cmid ?? 0, { cmd: 'nobody' });
  await seen.until(4);
  await vi.waitFor(() => expect(vk.eventAnswers({ eventId: unhandled })).toHaveLength(1));
  // Answered once each (the handler answered: the bot adds no empty answer after it).
  expect(vk.eventAnswers({ eventId: site })).toEqual([
    expect.objectContaining({
      userId: USER,
      peerId: USER,
      eventData: { type: 'open_link', link: 'https://example.com/docs' },
    }),
  ]);
  expect(vk.eventAnswers({ eventId: app })).toEqual([
    expect.objectContaining({
      userId: USER,
      eventData: { type: 'open_app', app_id: 6_798_836, owner_id: -vk.group.id, hash: 'start' },
    }),
  ]);
});

test('new Bot({ api }): the given client carries the calls, wins over token and baseUrl, and stop() leaves it open', async () => {
  const vk = await sandbox();
  const methods: string[] = [];
  const api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    hooks: { beforeCall: (info: CallInfo) => methods.push(info.method) },
  });
  cleanup(() => api.close());
  const { bot, seen } = await startedBot(vk, (bot) => bot.command('ping', () => 'pong'), {
    api,
    // Would fail every call if the bot used them: nothing listens on port 9, the token is no token.
    token: 'not-a-token',
    baseUrl: 'http://127.0.0.1:9/method',
  });
  expect(bot.api).toBe(api);
  vk.user(USER).send('/ping');
  await seen.until(1);
  expect(texts(vk, USER)).toEqual(['pong']);
  expect(methods).toContain('messages.send');
  expect(methods).toContain('groups.getLongPollServer');

  await bot.stop();
  // The caller owns the client: it still works after the bot stopped.
  await expect(api.messages.send({ peer_id: USER, message: 'after stop' })).resolves.toBeTypeOf('number');
  expect(texts(vk, USER)).toEqual(['pong', 'after stop']);
});

test('a bot made from a token closes its own API client on stop(): a later call fails with VkClosedError', async () => {
  const vk = await sandbox();
  const { bot, seen } = await startedBot(vk, (bot) => bot.command('ping', () => 'pong'));
  vk.user(USER).send('/ping');
  await seen.until(1);
  const own = bot.api;
  await expect(own.messages.send({ peer_id: USER, message: 'before stop' })).resolves.toBeTypeOf('number');
  await bot.stop();
  await expect(own.messages.send({ peer_id: USER, message: 'after stop' })).rejects.toMatchObject({
    name: 'VkClosedError',
    code: 'closed',
  });
  expect(texts(vk, USER)).toEqual(['pong', 'before stop']);
});

test('the communities form: an entry with its own api is used and left open; a token entry gets a client closed on stop', async () => {
  const vk = await sandbox();
  const second = vk.addGroup({ name: 'second' });
  const methods: string[] = [];
  const api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    hooks: { beforeCall: (info: CallInfo) => methods.push(info.method) },
  });
  cleanup(() => api.close());
  const bot = new Bot({
    communities: [{ api }, second.token],
    baseUrl: vk.apiUrl,
    longPoll: { wait: 1 },
  });
  cleanup(() => bot.stop());
  await bot.start();
  const secondApi = bot.apiOf(second.id);
  expect(bot.api).toBe(api);
  expect(secondApi).toBeDefined();
  expect(secondApi).not.toBe(api);
  await bot.stop();
  await expect(api.call('groups.getById', {})).resolves.toBeDefined();
  await expect(secondApi?.call('groups.getById', {})).rejects.toMatchObject({
    code: 'closed',
  });
});
