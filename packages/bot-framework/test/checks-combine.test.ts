import { VkwireConfigError } from '@vkwire/core';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import {
  all,
  allowUsers,
  any,
  CheckFailure,
  chatAdmin,
  chatOnly,
  check,
  cooldown,
  maxConcurrency,
  privateOnly,
} from '../src/checks/index.js';
import { checkBot, texts } from './checks-helpers.js';
import { deferred, sandbox } from './helpers.js';

const OWNER = 193847562;
const VIP = 5551234;
const MEMBER = 777;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-01-01T12:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

test('any passes when one check passes; when none does, the failure lists every reason', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [OWNER, VIP, MEMBER], admins: [-vk.group.id] });
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command(
      'announce',
      { checks: [any(chatAdmin(), allowUsers([VIP]))] },
      (ctx) => `announced by ${ctx.senderId}`,
    );
  });
  for (const user of [OWNER, VIP, MEMBER]) vk.user(user).send('/announce', { peerId: chat.peerId });
  await seen.until(3);
  expect(texts(vk, chat.peerId)).toEqual([
    `announced by ${OWNER}`,
    `announced by ${VIP}`,
    'Only chat admins can do this; or you are not allowed to do this.',
  ]);
  const [failure] = failures;
  expect(failure?.check).toBe('any');
  expect(failure?.failures.map((item) => item.check)).toEqual(['chatAdmin', 'allowUsers']);
  expect(failure?.retryAfterMs).toBeUndefined();
});

test('in any, a cooldown after an allow-list counts only the calls the list refused', async () => {
  const vk = await sandbox();
  const limited = cooldown({ per: '1m' });
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('roll', { checks: [any(allowUsers([VIP]), limited)] }, () => 'rolled');
  });
  for (let index = 0; index < 3; index++) vk.user(VIP).send('/roll');
  vk.user(MEMBER).send('/roll');
  vk.user(MEMBER).send('/roll');
  await seen.until(5);
  expect(texts(vk, VIP)).toEqual(['rolled', 'rolled', 'rolled']);
  expect(texts(vk, MEMBER)).toEqual([
    'rolled',
    'You are not allowed to do this; or too many calls: try again in 1 min.',
  ]);
  expect(failures[0]?.retryAfterMs).toBe(60_000);
  // The VIP's calls never reached the cooldown: it holds nothing for them.
  await limited.reset(String(MEMBER));
  vk.user(MEMBER).send('/roll');
  await seen.until(6);
  expect(texts(vk, MEMBER).at(-1)).toBe('rolled');
});

test('in any, the check that passes wraps the handler: a concurrency slot is held until it is done', async () => {
  const vk = await sandbox();
  const limit = maxConcurrency(1, { bucket: 'global' });
  const started = deferred();
  const gate = deferred();
  const { seen } = await checkBot(vk, (bot) => {
    bot.command('render', { checks: [any(allowUsers([VIP]), limit)] }, async () => {
      started.resolve();
      await gate.promise;
      return 'rendered';
    });
  });
  vk.user(MEMBER).send('/render');
  await started.promise;
  expect(limit.running('global')).toBe(1);
  gate.resolve();
  await seen.until(1);
  expect(limit.running('global')).toBe(0);
  expect(texts(vk, MEMBER)).toEqual(['rendered']);
});

test("in any, a cooldown's onCooldown answer ends the update without an error", async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [MEMBER] });
  const { seen, failures } = await checkBot(vk, (bot) => {
    const slow = cooldown({ per: '1m', onCooldown: () => 'wait a minute' });
    bot.command('hug', { checks: [any(privateOnly(), slow)] }, () => 'hug');
  });
  vk.user(MEMBER).send('/hug', { peerId: chat.peerId });
  vk.user(MEMBER).send('/hug', { peerId: chat.peerId });
  await seen.until(2);
  expect(texts(vk, chat.peerId)).toEqual(['hug', 'wait a minute']);
  expect(failures).toEqual([]);
});

test('all passes when every check passes and throws the first failure as it is', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [VIP, MEMBER] });
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('mute', { checks: [all(chatOnly(), allowUsers([VIP]))] }, () => 'muted');
  });
  vk.user(VIP).send('/mute');
  vk.user(VIP).send('/mute', { peerId: chat.peerId });
  vk.user(MEMBER).send('/mute', { peerId: chat.peerId });
  await seen.until(3);
  expect(texts(vk, VIP)).toEqual(['This works only in group chats.']);
  expect(texts(vk, chat.peerId)).toEqual(['muted', 'You are not allowed to do this.']);
  expect(failures.map((failure) => failure.check).sort()).toEqual(['allowUsers', 'chatOnly']);
});

test('any gives the soonest retryAfterMs of its failures, and passes errors that are no check failure', async () => {
  const vk = await sandbox();
  const { seen, failures, log } = await checkBot(vk, (bot) => {
    const short = cooldown({ per: '10s' });
    const long = cooldown({ per: '1m' });
    bot.command('a', { checks: [any(long, short)] }, () => 'a');
    const broken = check('broken', () => {
      throw new Error('database down');
    });
    bot.command('b', { checks: [any(broken, allowUsers([VIP]))] }, () => 'b');
  });
  for (let index = 0; index < 3; index++) vk.user(MEMBER).send('/a');
  vk.user(VIP).send('/b');
  await seen.until(4);
  expect(texts(vk, MEMBER)).toEqual([
    'a',
    'a',
    'Too many calls: try again in 1 min; or too many calls: try again in 10 s.',
  ]);
  expect(failures).toHaveLength(1);
  expect(failures[0]).toBeInstanceOf(CheckFailure);
  expect(failures[0]?.retryAfterMs).toBe(10_000);
  expect(texts(vk, VIP)).toEqual([]);
  expect(log.errors.map((entry) => entry.message)).toEqual([
    'unhandled error in a handler of message_new: database down',
  ]);
});

test('any without checks is a configuration error', () => {
  expect(() => any()).toThrow(VkwireConfigError);
  expect(() => any()).toThrow(/any: `checks` must be at least one check/);
});
