// The README's first example, as written there, through the package's public entry.
import { expect, test } from 'vitest';
import { arg, Bot } from '../src/index.js';
import { cleanup, sandbox, track } from './helpers.js';

test('the README bot: ping, sum with typed arguments, a wrong argument, hears, group_join, /help', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    prefixes: ['/', '!'],
    longPoll: { wait: 1 },
  });
  const seen = track(bot);
  bot.command('ping', () => 'pong');
  bot.command('sum', { args: { numbers: arg.number().greedy() }, description: 'Adds numbers' }, (ctx) =>
    String(ctx.args.numbers.reduce((a, b) => a + b, 0)),
  );
  bot.hears(/^hi\b/i, (ctx) => `hi, ${ctx.match[0]}`);
  bot.on('group_join', (ctx) =>
    ctx.api.messages.send({ user_id: ctx.update.object.user_id, message: 'Welcome!' }),
  );
  await bot.start();
  cleanup(() => bot.stop());

  const user = vk.user(1);
  for (const text of ['/ping', '!sum 1 2 3', '/sum 1 two', 'Hi bot', '/help', '/help sum']) user.send(text);
  user.join();
  await seen.until(7);
  expect(vk.sent({ peer: 1 }).map((message) => message.text)).toEqual([
    'pong',
    '6',
    '"two" is not a number (argument <numbers>)\nUsage: /sum <numbers...>',
    'hi, Hi',
    'Commands:\n/ping\n/sum — Adds numbers',
    'Adds numbers\nUsage: /sum <numbers...>',
    'Welcome!',
  ]);
});
