import { expect, test, vi } from 'vitest';
import { CheckFailure, chatOnly, cooldown, privateOnly } from '../src/checks/index.js';
import type { Context } from '../src/context.js';
import { Router } from '../src/router.js';
import { deferred, sandbox, startedBot, texts } from './helpers.js';

const ALICE = 193847562;

test("a failing check goes to the command's onError, and no further", async () => {
  const vk = await sandbox();
  const caughtByBot: Error[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.catch((error) => {
      caughtByBot.push(error);
    });
    bot.command(
      'roll',
      {
        checks: [cooldown({ per: '1m' })],
        onError: (error, ctx) =>
          error instanceof CheckFailure && error.retryAfterMs !== undefined
            ? ctx.reply(`${error.check}: ${Math.round(error.retryAfterMs / 1000)} s left`)
            : Promise.reject(error),
      },
      () => 'rolled',
    );
  });
  vk.user(ALICE).send('/roll');
  vk.user(ALICE).send('/roll');
  await seen.until(2);
  expect(texts(vk, ALICE)).toEqual(['rolled', expect.stringMatching(/^cooldown: (59|60) s left$/)]);
  expect(caughtByBot).toEqual([]);
});

test("a router's checks fail into the router's catch; other routers still get the update", async () => {
  const vk = await sandbox();
  const { seen, bot } = await startedBot(vk, () => {});
  const chats = new Router<Context>({ name: 'chats', checks: [chatOnly()] });
  chats.command('poll', () => 'a poll');
  chats.catch((error, ctx) => ctx.reply(`chats router: ${error.message}`));
  const everyone = new Router<Context>({ name: 'everyone' });
  everyone.command('help2', () => 'help');
  await bot.addRouter(chats);
  await bot.addRouter(everyone);
  vk.user(ALICE).send('/poll');
  vk.user(ALICE).send('/help2');
  await seen.until(2);
  expect(texts(vk, ALICE)).toEqual(['chats router: This works only in group chats.', 'help']);
});

test('with no other handler, bot.catch gets the CheckFailure with the context', async () => {
  const vk = await sandbox();
  const caught = deferred<{ error: Error; peer: number | undefined }>();
  const chat = vk.createChat({ title: 'team', members: [ALICE] });
  await startedBot(vk, (bot) => {
    bot.catch((error, ctx) => caught.resolve({ error, peer: ctx.peerId }));
    bot.use(privateOnly());
    bot.command('ping', () => 'pong');
  });
  vk.user(ALICE).send('/ping', { peerId: chat.peerId });
  const { error, peer } = await caught.promise;
  expect(error).toBeInstanceOf(CheckFailure);
  expect(error).toMatchObject({ check: 'privateOnly', code: 'check_failed', name: 'CheckFailure' });
  expect(peer).toBe(chat.peerId);
  expect(vk.sent({ peer: chat.peerId })).toEqual([]);
});

test('an unhandled check failure is a warning (no error, no stack) with the update type, and the bot goes on', async () => {
  const vk = await sandbox();
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.command('poll', { checks: [chatOnly()] }, () => 'a poll');
    bot.command('ping', () => 'pong');
  });
  vk.user(ALICE).send('/poll');
  vk.user(ALICE).send('/ping');
  await seen.until(2);
  await vi.waitFor(() => expect(log.warnings).toHaveLength(1));
  expect(log.errors).toEqual([]);
  expect(log.warnings[0]?.message).toContain('This works only in group chats.');
  expect(log.warnings[0]?.fields).toMatchObject({ type: 'message_new', check: 'chatOnly' });
  expect(texts(vk, ALICE)).toEqual(['pong']);
});
