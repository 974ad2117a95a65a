import { expect, test, vi } from 'vitest';
import { arg } from '../src/args/index.js';
import { Bot } from '../src/bot.js';
import { chatOnly } from '../src/checks/index.js';
import type { Context } from '../src/context.js';
import { defineCallbackData } from '../src/keyboard/callback-data.js';
import { Keyboard } from '../src/keyboard/keyboard.js';
import { Router } from '../src/router.js';
import { cleanup, deferred, memoryLogger, sandbox, startedBot, texts } from './helpers.js';

const USER = 193847562;

test('callback buttons: typed data reaches the handler; a press nobody answered is answered after it', async () => {
  const vk = await sandbox();
  const vote = defineCallbackData('vote', { id: 'number', choice: ['up', 'down'] });
  const votes: string[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('poll', (ctx) =>
      ctx.reply({
        message: 'Vote',
        keyboard: Keyboard.inline()
          .callback('👍', { payload: vote.pack({ id: 7, choice: 'up' }) })
          .callback('👎', { payload: vote.pack({ id: 7, choice: 'down' }) }),
      }),
    );
    bot.button(vote.filter({ choice: 'up' }), (ctx) =>
      ctx.answer({ type: 'show_snackbar', text: `Liked ${ctx.data.id}` }),
    );
    bot.button(vote.filter(), (ctx) => {
      votes.push(`${ctx.data.choice} ${ctx.data.id} by ${ctx.senderId}`);
    });
  });
  vk.user(USER).send('/poll');
  await seen.until(1);
  const [sent] = vk.sent({ peer: USER });
  const up = vk
    .user(USER)
    .pressCallbackButton(USER, sent?.cmid ?? 0, JSON.parse(vote.pack({ id: 7, choice: 'up' })));
  const down = vk
    .user(USER)
    .pressCallbackButton(USER, sent?.cmid ?? 0, JSON.parse(vote.pack({ id: 7, choice: 'down' })));
  const stranger = vk.user(USER).pressCallbackButton(USER, sent?.cmid ?? 0, { something: 'else' });
  await seen.until(4);
  expect(votes).toEqual([`down 7 by ${USER}`]);
  expect(vk.eventAnswers({ eventId: up })).toEqual([expect.objectContaining({ snackbar: 'Liked 7' })]);
  // Answered by the bot itself, with no event_data: the spinner stops.
  // The bot answers after the tree has unwound.
  await vi.waitFor(() => expect(vk.eventAnswers({ eventId: stranger })).toHaveLength(1));
  expect(vk.eventAnswers({ eventId: down })).toEqual([
    expect.not.objectContaining({ eventData: expect.anything() }),
  ]);
});

test('text buttons: payload() routes by payload, ctx.payload is parsed', async () => {
  const vk = await sandbox();
  const got: unknown[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.payload({ cmd: 'menu' }, (ctx) => {
      got.push(ctx.payload);
      return 'menu!';
    });
    bot.on('message', (ctx) => {
      got.push(ctx.payload ?? null);
    });
  });
  vk.user(USER).send('Menu', { payload: { cmd: 'menu', page: 2 } });
  vk.user(USER).send('Other', { payload: { cmd: 'other' } });
  vk.user(USER).send('plain');
  await seen.until(3);
  expect(got).toEqual([{ cmd: 'menu', page: 2 }, { cmd: 'other' }, null]);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['menu!']);
});

test('chat actions are typed events; onInvite fires when the bot itself is added', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [USER, 555], groupIds: [] });
  const actions: string[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.onInvite(() => 'Hello, chat! Make me an admin to read every message.');
    bot.chatAction(['chat_invite_user', 'chat_invite_user_by_link'], (ctx) => {
      actions.push(`${ctx.action.type} ${ctx.action.member_id}`);
    });
    bot.chatAction('chat_kick_user', (ctx) => {
      actions.push(`left ${ctx.action.member_id}`);
    });
    bot.chatAction('chat_title_update', (ctx) => {
      actions.push(`title ${ctx.action.text}`);
    });
  });
  chat.inviteBot(vk.group.id, { by: USER });
  chat.joinByLink(777);
  chat.leave(555);
  chat.rename('renamed', { by: USER });
  await seen.until(4);
  expect(actions).toEqual(['chat_invite_user_by_link 777', 'left 555', 'title renamed']);
  expect(vk.sent({ peer: chat.peerId }).map((message) => message.text)).toEqual([
    'Hello, chat! Make me an admin to read every message.',
  ]);
});

test('routers: own checks and error boundary, onLoad/onUnload, added and removed while the bot runs', async () => {
  const vk = await sandbox();
  const hooks: string[] = [];
  const admin = new Router<Context>({
    name: 'admin',
    checks: [
      async (ctx, next) => {
        if (ctx.senderId !== USER) throw new Error('admins only');
        await next();
      },
    ],
  });
  admin.command('secret', () => 'the secret');
  admin.catch((error, ctx) => ctx.reply(`denied: ${error.message}`));
  admin.onLoad(() => hooks.push('load')).onUnload(() => hooks.push('unload'));
  const { bot, seen } = await startedBot(vk, (bot) => {
    bot.command('ping', () => 'pong');
  });
  vk.user(USER).send('/secret');
  await seen.until(1);
  await bot.addRouter(admin);
  expect(hooks).toEqual(['load']);
  vk.user(USER).send('/secret');
  vk.user(999).send('/secret');
  vk.user(999).send('/ping');
  await seen.until(4);
  expect(await bot.removeRouter(admin)).toBe(true);
  expect(hooks).toEqual(['load', 'unload']);
  vk.user(USER).send('/secret');
  await seen.until(5);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['the secret']);
  expect(vk.sent({ peer: 999 }).map((message) => message.text)).toEqual(['denied: admins only', 'pong']);
});

test('lifecycle hooks run in order; a background task runs while the bot runs and never after stop()', async () => {
  const vk = await sandbox();
  const events: string[] = [];
  let runs = 0;
  let resolveTwice: () => void = () => {};
  const twice = new Promise<void>((resolve) => {
    resolveTwice = resolve;
  });
  const { bot } = await startedBot(vk, (bot) => {
    bot.onStartup(() => events.push('startup'));
    bot.onReady(() => events.push('ready'));
    bot.onShutdown(() => events.push('shutdown'));
    bot.every('20ms', () => {
      runs++;
      if (runs === 2) resolveTwice();
    });
  });
  await twice;
  await bot.stop();
  const after = runs;
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(runs).toBe(after);
  expect(events).toEqual(['startup', 'ready', 'shutdown']);
});

test('custom events reach their listeners; a throwing listener is logged, the rest still run', async () => {
  const vk = await sandbox();
  const bot = new Bot<Context, { paid: { order: number } }>({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
  });
  cleanup(() => bot.stop());
  const got: number[] = [];
  bot.addListener('paid', () => {
    throw new Error('listener failed');
  });
  bot.addListener('paid', ({ order }) => {
    got.push(order);
  });
  await bot.emit('paid', { order: 42 });
  expect(got).toEqual([42]);
});

test('the generated /help lists commands; /help <name> shows one; describe() is JSON', async () => {
  const vk = await sandbox();
  const { bot, seen } = await startedBot(vk, (bot) => {
    bot.command('ping', { description: 'Checks the bot is alive', examples: ['/ping'] }, () => 'pong');
    bot.command('secret', { hidden: true }, () => 'x');
  });
  vk.user(USER).send('/help');
  vk.user(USER).send('/help ping');
  await seen.until(2);
  const [list, one] = vk.sent({ peer: USER }).map((message) => message.text);
  expect(list).toBe('Commands:\n/ping — Checks the bot is alive');
  expect(one).toContain('Usage: /ping');
  expect(one).toContain('Examples:\n  /ping');
  expect(
    JSON.parse(JSON.stringify(bot.describe())).commands.map((command: { name: string }) => command.name),
  ).toEqual(['ping', 'secret']);
});

test('ensureSettings off: a warning names the handled types the community would not send', async () => {
  const vk = await sandbox();
  const setup = (await import('@vkwire/api-client')).VkApi;
  const api = new setup({ token: vk.group.token, baseUrl: vk.apiUrl });
  cleanup(() => api.close());
  await api.groups.setLongPollSettings({
    group_id: vk.group.id,
    enabled: 1,
    api_version: '5.199',
    group_join: 0,
  });
  const { log } = await startedBot(vk, (bot) => {
    bot.on('group_join', () => {});
  });
  expect(log.warnings.map((warning) => warning.message).join('\n')).toContain('group_join');
});

test('ensureSettings on: the community sends exactly the handled types; ctx.event is the normalized event', async () => {
  const vk = await sandbox({ groups: [{ longPollEnabled: false }] });
  const events: string[] = [];
  const { bot, seen } = await startedBot(
    vk,
    (bot) => {
      bot.command('ping', (ctx) => {
        events.push(`${ctx.event.event_type} ${ctx.event.user?.uuid}`);
        return ctx.send('pong');
      });
      bot.on('group_leave', () => {});
    },
    { longPoll: { wait: 1, ensureSettings: true } },
  );
  const settings = await bot.api.groups.getLongPollSettings({ group_id: vk.group.id });
  expect(
    Object.entries(settings.events ?? {})
      .filter(([, on]) => on)
      .map(([type]) => type),
  ).toEqual(['message_new', 'group_leave']);
  vk.user(USER).send('/ping');
  await seen.until(1);
  expect(events).toEqual([`command ${USER}`]);
  expect(texts(vk, USER)).toEqual(['pong']);
});

test("a router's checks run before a command's arguments are read (no API call for a refused update)", async () => {
  const vk = await sandbox();
  const router = new Router({ checks: [chatOnly()] });
  router.command('ban', { args: { user: arg.user() } }, (ctx) => `Banned ${ctx.args.user.id}`);
  router.catch((error, ctx) => ctx.reply(error.message));
  const { bot, seen } = await startedBot(vk, () => {});
  await bot.addRouter(router);
  vk.user(USER).send('/ban @someone');
  await seen.until(1);
  expect(texts(vk, USER)).toEqual(['This works only in group chats.']);
  expect(vk.calls({ method: 'utils.resolveScreenName' })).toEqual([]);
});

test('a cron task (seconds field) runs while the bot runs, stops with it', async () => {
  const vk = await sandbox();
  const ran = deferred<Date>();
  const { bot } = await startedBot(vk, (bot) => {
    bot.cron('* * * * * *', ({ scheduledAt }) => ran.resolve(scheduledAt), { name: 'every second' });
  });
  const at = await ran.promise;
  expect(at.getMilliseconds()).toBe(0);
  await bot.stop();
  expect(() => bot.cron('not a cron', () => {})).toThrow(
    expect.objectContaining({ option: 'cron(expression)' }),
  );
});
