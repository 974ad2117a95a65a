import { VkApiError } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import { expect, test } from 'vitest';
import { chatAdmin } from '../src/checks/index.js';
import { checkBot, texts } from './checks-helpers.js';
import { sandbox } from './helpers.js';

const OWNER = 193847562;
const ADMIN = 5551234;
const MEMBER = 777;

test('the owner and admins of a chat pass, a plain member fails', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [OWNER, ADMIN, MEMBER], admins: [-vk.group.id] });
  chat.setAdmin(ADMIN);
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('kick', { checks: [chatAdmin()] }, (ctx) => `kick by ${ctx.senderId}`);
  });
  for (const user of [OWNER, ADMIN, MEMBER]) vk.user(user).send('/kick', { peerId: chat.peerId });
  await seen.until(3);
  expect(texts(vk, chat.peerId)).toEqual([
    `kick by ${OWNER}`,
    `kick by ${ADMIN}`,
    'Only chat admins can do this.',
  ]);
  expect(failures.map((failure) => failure.check)).toEqual(['chatAdmin']);
});

test('when the bot is no admin of the chat, the failure says to make it one', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [OWNER] });
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('kick', { checks: [chatAdmin()] }, () => 'kicked');
  });
  vk.user(OWNER).send('/kick', { peerId: chat.peerId });
  await seen.until(1);
  const [failure] = failures;
  expect(failure?.reason).toBe(
    'the bot is not an admin of this chat, so it cannot see who is: make the bot an admin of the chat',
  );
  expect(failure?.cause).toBeInstanceOf(VkApiError);
  expect(failure?.cause).toMatchObject({ code: 917, method: 'messages.getConversationMembers' });
  expect(texts(vk, chat.peerId)).toEqual([
    'The bot is not an admin of this chat, so it cannot see who is: make the bot an admin of the chat.',
  ]);
});

test('outside a group chat it fails without asking VK', async () => {
  const vk = await sandbox();
  const { seen } = await checkBot(vk, (bot) => {
    bot.command('kick', { checks: [chatAdmin()] }, () => 'kicked');
  });
  vk.user(OWNER).send('/kick');
  await seen.until(1);
  expect(texts(vk, OWNER)).toEqual(['This works only in group chats.']);
  expect(vk.calls({ method: 'messages.getConversationMembers' })).toEqual([]);
});

test('the admin list is cached per chat for cacheTtlMs, and clearCache forgets it', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [OWNER, MEMBER], admins: [-vk.group.id] });
  const admins = chatAdmin();
  const { seen } = await checkBot(vk, (bot) => {
    bot.command('pin', { checks: [admins] }, () => 'pinned');
    bot.command('kick', { checks: [admins] }, () => 'kicked');
  });
  const asked = () => vk.calls({ method: 'messages.getConversationMembers' }).length;
  vk.user(OWNER).send('/pin', { peerId: chat.peerId });
  vk.user(OWNER).send('/kick', { peerId: chat.peerId });
  vk.user(MEMBER).send('/pin', { peerId: chat.peerId });
  await seen.until(3);
  expect(asked()).toBe(1);
  // Promoted on VK, but the cached list does not know yet.
  chat.setAdmin(MEMBER);
  vk.user(MEMBER).send('/pin', { peerId: chat.peerId });
  await seen.until(4);
  admins.clearCache(chat.peerId);
  vk.user(MEMBER).send('/pin', { peerId: chat.peerId });
  await seen.until(5);
  expect(asked()).toBe(2);
  expect(texts(vk, chat.peerId)).toEqual([
    'pinned',
    'kicked',
    'Only chat admins can do this.',
    'Only chat admins can do this.',
    'pinned',
  ]);
});

test('cacheTtlMs: 0 asks VK at every call; a chat of more than one page of members is read whole', async () => {
  const vk = await sandbox();
  const crowd = Array.from({ length: 260 }, (_, index) => 100_000 + index);
  const late = crowd.at(-1) as number;
  const chat = vk.createChat({ title: 'crowd', members: [OWNER, ...crowd], admins: [-vk.group.id, late] });
  const { seen } = await checkBot(vk, (bot) => {
    bot.command(
      'ban',
      { checks: [chatAdmin({ cacheTtlMs: 0, message: 'moderators only' })] },
      () => 'banned',
    );
  });
  vk.user(late).send('/ban', { peerId: chat.peerId });
  vk.user(100_000).send('/ban', { peerId: chat.peerId });
  await seen.until(2);
  expect(texts(vk, chat.peerId)).toEqual(['banned', 'Moderators only.']);
  const calls = vk.calls({ method: 'messages.getConversationMembers' });
  // Two calls per check: 261 members and the bot are two pages of 200.
  expect(calls).toHaveLength(4);
});

test('a negative cacheTtlMs is a configuration error', () => {
  expect(() => chatAdmin({ cacheTtlMs: -1 })).toThrow(VkwireConfigError);
  expect(() => chatAdmin({ cacheTtlMs: -1 })).toThrow(
    /chatAdmin: `cacheTtlMs` must be a number of milliseconds ≥ 0, got -1/,
  );
});
