import { expect, expectTypeOf, test } from 'vitest';
import { arg } from '../src/args/index.js';
import type { ArgUser } from '../src/args/user.js';
import { sandbox, startedBot, texts } from './helpers.js';

const USER = 193847562;

test('typed arguments: parsed into ctx.args; a bad one is answered with what was wrong and the usage', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('sum', { args: { numbers: arg.number().greedy() }, description: 'Adds numbers' }, (ctx) => {
      expectTypeOf(ctx.args.numbers).toEqualTypeOf<number[]>();
      return String(ctx.args.numbers.reduce((a, b) => a + b, 0));
    });
    bot.command(
      'remind',
      { args: { after: arg.duration().max(86_400_000), text: arg.text(), loud: arg.flag() } },
      (ctx) => {
        expectTypeOf(ctx.args).toEqualTypeOf<{ after: number; text: string; loud: boolean }>();
        return `in ${ctx.args.after} ms: ${ctx.args.text}${ctx.args.loud ? '!' : ''}`;
      },
    );
    bot.command(
      'top',
      { args: { limit: arg.integer().min(1).max(10).default(3).named() } },
      (ctx) => `top ${ctx.args.limit}`,
    );
  });
  vk.user(USER).send('/sum 1 2,5 3');
  vk.user(USER).send('/sum 1 two');
  vk.user(USER).send('/remind 1h30m call mom --loud');
  vk.user(USER).send('/remind 2d nope');
  vk.user(USER).send('/top');
  vk.user(USER).send('/top --limit 5');
  await seen.until(6);
  expect(texts(vk, USER)).toEqual([
    '6.5',
    '"two" is not a number (argument <numbers>)\nUsage: /sum <numbers...>',
    'in 5400000 ms: call mom!',
    expect.stringMatching(/out of range[\s\S]*Usage: \/remind/),
    'top 3',
    'top 5',
  ]);
});

test('strict mode: extra text is an error; a quiet policy answers nothing', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(
    vk,
    (bot) => {
      bot.command('one', { args: { word: arg.word() } }, (ctx) => ctx.args.word);
      bot.command('quiet', { args: { n: arg.integer() }, onArgumentError: 'ignore' }, () => 'never');
    },
    { strict: true },
  );
  vk.user(USER).send('/one two three');
  vk.user(USER).send('/one two');
  vk.user(USER).send('/quiet x');
  await seen.until(3);
  expect(texts(vk, USER)).toEqual([expect.stringContaining('Usage: /one <word>'), 'two']);
  expect(texts(vk, USER)[0]).toMatch(/three/);
});

test('user arguments resolve mentions, screen names and links through the API, or take the replied author', async () => {
  const vk = await sandbox();
  vk.user(1, { screenName: 'durov', firstName: 'Pavel', lastName: 'Durov' });
  vk.user(7, { firstName: 'Anna', lastName: 'Ivanova' });
  const chat = vk.createChat({ title: 'team', members: [USER, 1, 7] });
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('who', { args: { user: arg.user() } }, (ctx) => {
      expectTypeOf(ctx.args.user).toEqualTypeOf<ArgUser>();
      return `${ctx.args.user.firstName} ${ctx.args.user.lastName} (id${ctx.args.user.id})`;
    });
  });
  vk.user(USER).send('/who [id1|Паша]', { peerId: chat.peerId });
  vk.user(USER).send('/who @durov', { peerId: chat.peerId });
  vk.user(USER).send('/who https://vk.com/durov', { peerId: chat.peerId });
  const anna = vk.user(7).send('hello', { peerId: chat.peerId });
  vk.user(USER).send('/who', { peerId: chat.peerId, replyTo: anna.cmid });
  vk.user(USER).send('/who @nobody_at_all', { peerId: chat.peerId });
  await seen.until(6);
  expect(texts(vk, chat.peerId)).toEqual([
    'Pavel Durov (id1)',
    'Pavel Durov (id1)',
    'Pavel Durov (id1)',
    'Anna Ivanova (id7)',
    expect.stringContaining('nobody on VK is called "@nobody_at_all"'),
  ]);
  // In a chat the answers quote the command they answer.
  expect(
    vk
      .calls({ method: 'messages.send' })
      .every((call) => String(call.params.forward ?? '').includes('is_reply')),
  ).toBe(true);
});

test('per-command onError takes what its checks and handler throw', async () => {
  const vk = await sandbox();
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.command(
      'guarded',
      {
        checks: [
          async (ctx, next) => {
            if (ctx.text.includes('deny')) throw new Error('denied by check');
            await next();
          },
        ],
        onError: (error, ctx) => ctx.reply(`handled: ${error.message}`),
      },
      () => {
        throw new Error('handler broke');
      },
    );
  });
  vk.user(USER).send('/guarded deny');
  vk.user(USER).send('/guarded');
  await seen.until(2);
  expect(texts(vk, USER)).toEqual(['handled: denied by check', 'handled: handler broke']);
  expect(log.errors).toEqual([]);
});
