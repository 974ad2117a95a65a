import { VkwireConfigError } from '@vkwire/core';
import { expect, test } from 'vitest';
import { allowChats, allowUsers, chatOnly, check, denyUsers, privateOnly } from '../src/checks/index.js';
import type { Context } from '../src/context.js';
import { checkBot, texts } from './checks-helpers.js';
import { sandbox } from './helpers.js';

const ALICE = 193847562;
const BOB = 5551234;
const CAROL = 777;

test('privateOnly and chatOnly let a command run only in private messages / group chats', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [ALICE] });
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('settings', { checks: [privateOnly()] }, () => 'your settings');
    bot.command('poll', { checks: [chatOnly()] }, () => 'a poll');
  });
  vk.user(ALICE).send('/settings');
  vk.user(ALICE).send('/poll');
  vk.user(ALICE).send('/settings', { peerId: chat.peerId });
  vk.user(ALICE).send('/poll', { peerId: chat.peerId });
  await seen.until(4);
  expect(texts(vk, ALICE)).toEqual(['your settings', 'This works only in group chats.']);
  expect(texts(vk, chat.peerId)).toEqual(['This works only in private messages with the bot.', 'a poll']);
  expect(failures.map((failure) => failure.check).sort()).toEqual(['chatOnly', 'privateOnly']);
});

test('allowUsers: a fixed list, a Set changed at run time, or a function asked each time', async () => {
  const vk = await sandbox();
  const moderators = new Set([ALICE]);
  const asked: Array<number | undefined> = [];
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('owner', { checks: [allowUsers([ALICE], { message: 'owners only' })] }, () => 'owner');
    bot.command('mod', { checks: [allowUsers(moderators)] }, () => 'mod');
    bot.command(
      'vip',
      {
        checks: [
          allowUsers(async (ctx: Context) => {
            asked.push(ctx.senderId);
            return [BOB];
          }),
        ],
      },
      () => 'vip',
    );
  });
  vk.user(ALICE).send('/owner');
  vk.user(BOB).send('/owner');
  vk.user(ALICE).send('/mod');
  vk.user(BOB).send('/mod');
  vk.user(ALICE).send('/vip');
  vk.user(BOB).send('/vip');
  await seen.until(6);
  expect(texts(vk, ALICE)).toEqual(['owner', 'mod', 'You are not allowed to do this.']);
  expect(texts(vk, BOB)).toEqual(['Owners only.', 'You are not allowed to do this.', 'vip']);
  expect(asked.sort()).toEqual([BOB, ALICE].sort());
  expect(failures.every((failure) => failure.check === 'allowUsers')).toBe(true);

  moderators.add(BOB);
  moderators.delete(ALICE);
  vk.user(ALICE).send('/mod');
  vk.user(BOB).send('/mod');
  await seen.until(8);
  expect(texts(vk, ALICE).at(-1)).toBe('You are not allowed to do this.');
  expect(texts(vk, BOB).at(-1)).toBe('mod');
});

test('denyUsers stops the listed users everywhere after it; others pass', async () => {
  const vk = await sandbox();
  const banned = new Set([BOB]);
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.use(denyUsers(banned, { message: 'you are banned' }));
    bot.command('ping', () => 'pong');
    bot.hears('hello', () => 'hi');
  });
  vk.user(ALICE).send('/ping');
  vk.user(BOB).send('/ping');
  vk.user(BOB).send('hello');
  await seen.until(3);
  expect(texts(vk, ALICE)).toEqual(['pong']);
  expect(texts(vk, BOB)).toEqual(['You are banned.', 'You are banned.']);
  expect(failures.map((failure) => failure.check)).toEqual(['denyUsers', 'denyUsers']);
});

test('allowChats lets a command run only in the listed chats', async () => {
  const vk = await sandbox();
  const allowed = vk.createChat({ title: 'staff', members: [ALICE] });
  const other = vk.createChat({ title: 'random', members: [ALICE] });
  const { seen } = await checkBot(vk, (bot) => {
    bot.command('deploy', { checks: [allowChats([allowed.peerId])] }, () => 'deploying');
  });
  vk.user(ALICE).send('/deploy', { peerId: allowed.peerId });
  vk.user(ALICE).send('/deploy', { peerId: other.peerId });
  vk.user(ALICE).send('/deploy');
  await seen.until(3);
  expect(texts(vk, allowed.peerId)).toEqual(['deploying']);
  expect(texts(vk, other.peerId)).toEqual(['This is not available in this chat.']);
  expect(texts(vk, ALICE)).toEqual(['This is not available in this chat.']);
});

test('a chat id where a peer id belongs is a configuration error', () => {
  expect(() => allowChats([1])).toThrow(VkwireConfigError);
  expect(() => allowChats([2000000001, 7])).toThrow(
    /allowChats: `peerIds` must be peer ids of chats \(2000000000 \+ chat id\), got 7/,
  );
  expect(() => allowUsers(5 as unknown as number[])).toThrow(/allowUsers: `ids` must be an iterable of ids/);
});

test('check(name, predicate, message): a custom check, sync or async, with its name on the failure', async () => {
  const vk = await sandbox();
  const premium = new Set([CAROL]);
  const { seen, failures } = await checkBot(vk, (bot) => {
    const isPremium = check(
      'premium',
      async (ctx: Context) => premium.has(ctx.senderId ?? 0),
      'this is for premium users',
    );
    const hasText = check('long enough', (ctx) => (ctx.text ?? '').length > 6);
    bot.command('hd', { checks: [isPremium] }, () => 'hd video');
    bot.command('echo', { checks: [hasText] }, (ctx) => ctx.command.argsText);
  });
  vk.user(CAROL).send('/hd');
  vk.user(ALICE).send('/hd');
  vk.user(BOB).send('/echo');
  vk.user(CAROL).send('/echo hello');
  await seen.until(4);
  expect(texts(vk, CAROL)).toEqual(['hd video', 'hello']);
  expect(texts(vk, ALICE)).toEqual(['This is for premium users.']);
  expect(texts(vk, BOB)).toEqual(['The check "long enough" did not pass.']);
  expect(failures.map((failure) => [failure.check, failure.reason]).sort()).toEqual([
    ['long enough', 'the check "long enough" did not pass'],
    ['premium', 'this is for premium users'],
  ]);
});
