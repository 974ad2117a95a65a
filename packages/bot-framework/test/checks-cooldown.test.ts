import { MemoryKeyValueStore, VkwireConfigError } from '@vkwire/core';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { cooldown, formatWait, keyValueCooldownStore, MemoryCooldownStore } from '../src/checks/index.js';
import { checkBot, texts } from './checks-helpers.js';
import { sandbox } from './helpers.js';

const ALICE = 193847562;
const BOB = 5551234;
const T0 = new Date('2025-01-01T12:00:00Z').getTime();

// Only Date is faked: the clock stands still until a test moves it, and sockets and timers run as usual.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

test('per user: `limit` calls per window, the next fails with the wait; others are not affected; the window slides', async () => {
  const vk = await sandbox();
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('roll', { checks: [cooldown({ limit: 2, per: '10s' })] }, () => 'rolled');
  });
  const alice = vk.user(ALICE);
  alice.send('/roll');
  alice.send('/roll');
  alice.send('/roll');
  vk.user(BOB).send('/roll');
  await seen.until(4);
  expect(texts(vk, ALICE)).toEqual(['rolled', 'rolled', 'Too many calls: try again in 10 s.']);
  expect(texts(vk, BOB)).toEqual(['rolled']);
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatchObject({
    name: 'CheckFailure',
    code: 'check_failed',
    check: 'cooldown',
    retryAfterMs: 10_000,
  });

  vi.setSystemTime(T0 + 4_000);
  alice.send('/roll');
  await seen.until(5);
  expect(failures[1]?.retryAfterMs).toBe(6_000);

  vi.setSystemTime(T0 + 10_000);
  alice.send('/roll');
  await seen.until(6);
  expect(texts(vk, ALICE).slice(3)).toEqual(['Too many calls: try again in 6 s.', 'rolled']);
});

test('per chat: one call per window in a conversation, whoever calls; another conversation has its own', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [ALICE, BOB] });
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('weather', { checks: [cooldown({ per: '1m', bucket: 'chat' })] }, () => 'sunny');
  });
  vk.user(ALICE).send('/weather', { peerId: chat.peerId });
  vk.user(BOB).send('/weather', { peerId: chat.peerId });
  vk.user(ALICE).send('/weather');
  await seen.until(3);
  expect(texts(vk, chat.peerId)).toEqual(['sunny', 'Too many calls: try again in 1 min.']);
  expect(texts(vk, ALICE)).toEqual(['sunny']);
  expect(failures.map((failure) => failure.retryAfterMs)).toEqual([60_000]);
});

test('per user in chat: a user is limited in each chat separately', async () => {
  const vk = await sandbox();
  const first = vk.createChat({ title: 'one', members: [ALICE, BOB] });
  const second = vk.createChat({ title: 'two', members: [ALICE] });
  const { seen } = await checkBot(vk, (bot) => {
    bot.command(
      'vote',
      { checks: [cooldown({ per: '1h', bucket: 'user_in_chat' })] },
      (ctx) => `vote of ${ctx.senderId}`,
    );
  });
  vk.user(ALICE).send('/vote', { peerId: first.peerId });
  vk.user(ALICE).send('/vote', { peerId: first.peerId });
  vk.user(BOB).send('/vote', { peerId: first.peerId });
  vk.user(ALICE).send('/vote', { peerId: second.peerId });
  await seen.until(4);
  expect(texts(vk, first.peerId)).toEqual([
    `vote of ${ALICE}`,
    'Too many calls: try again in 1 h.',
    `vote of ${BOB}`,
  ]);
  expect(texts(vk, second.peerId)).toEqual([`vote of ${ALICE}`]);
});

test('reset clears a bucket by its key (an admin command) or by a context', async () => {
  const vk = await sandbox();
  const roll = cooldown({ per: '1m' });
  const { seen } = await checkBot(vk, (bot) => {
    bot.command('roll', { checks: [roll] }, () => 'rolled');
    bot.command('uncool', async (ctx) => {
      await roll.reset(ctx.command.argsText);
      return 'reset';
    });
    bot.command('mine', async (ctx) => {
      await roll.reset(ctx);
      return 'reset mine';
    });
  });
  const alice = vk.user(ALICE);
  alice.send('/roll');
  alice.send('/roll');
  await seen.until(2);
  vk.user(BOB).send(`/uncool ${ALICE}`);
  await seen.until(3);
  alice.send('/roll');
  alice.send('/roll');
  alice.send('/mine');
  alice.send('/roll');
  await seen.until(7);
  expect(texts(vk, ALICE)).toEqual([
    'rolled',
    'Too many calls: try again in 1 min.',
    'rolled',
    'Too many calls: try again in 1 min.',
    'reset mine',
    'rolled',
  ]);
});

test('onCooldown answers a call over the limit instead of an error; the handler does not run', async () => {
  const vk = await sandbox();
  const waits: number[] = [];
  let handled = 0;
  const { seen, failures } = await checkBot(vk, (bot) => {
    const slow = cooldown({
      per: '30s',
      onCooldown: (_ctx, retryAfterMs) => {
        waits.push(retryAfterMs);
        return `Slow down: ${formatWait(retryAfterMs)} left`;
      },
    });
    bot.command('hug', { checks: [slow] }, () => {
      handled += 1;
      return 'hug';
    });
  });
  vk.user(ALICE).send('/hug');
  vk.user(ALICE).send('/hug');
  await seen.until(2);
  expect(texts(vk, ALICE)).toEqual(['hug', 'Slow down: 30 s left']);
  expect(waits).toEqual([30_000]);
  expect(handled).toBe(1);
  expect(failures).toEqual([]);
});

test('the memory store drops buckets whose calls all left the window', async () => {
  const vk = await sandbox();
  const store = new MemoryCooldownStore();
  const { seen } = await checkBot(vk, (bot) => {
    bot.command('roll', { checks: [cooldown({ per: '10s', store })] }, () => 'rolled');
  });
  for (const user of [1, 2, 3]) vk.user(user).send('/roll');
  await seen.until(3);
  expect(store.size).toBe(3);
  vi.setSystemTime(T0 + 5_000);
  vk.user(4).send('/roll');
  await seen.until(4);
  expect(store.size).toBe(4);
  vi.setSystemTime(T0 + 10_000);
  vk.user(5).send('/roll');
  await seen.until(5);
  // Users 1-3 called at T0: gone at T0 + 10 s, without being asked about again.
  expect(store.size).toBe(2);
  vi.setSystemTime(T0 + 60_000);
  expect(store.size).toBe(0);
});

test('over a KeyValueStore, cooldowns with the same id share their count (as processes sharing Redis do)', async () => {
  const vk = await sandbox();
  const shared = new MemoryKeyValueStore();
  const { seen } = await checkBot(vk, (bot) => {
    // Two cooldown objects stand for two bot processes with the same configuration.
    bot.command('a', { checks: [cooldown({ limit: 2, per: '1m', store: shared, id: 'daily' })] }, () => 'a');
    bot.command('b', { checks: [cooldown({ limit: 2, per: '1m', store: shared, id: 'daily' })] }, () => 'b');
  });
  vk.user(ALICE).send('/a');
  vk.user(ALICE).send('/b');
  vk.user(ALICE).send('/a');
  await seen.until(3);
  expect(texts(vk, ALICE)).toEqual(['a', 'b', 'Too many calls: try again in 1 min.']);
  expect(shared.get(`cooldown:daily:${ALICE}`)?.value).toEqual([T0, T0]);
  vi.setSystemTime(T0 + 60_000);
  expect(shared.get(`cooldown:daily:${ALICE}`)).toBeUndefined();
});

test('the key-value store retries its compare-and-set when another writer got there first', async () => {
  const kv = new MemoryKeyValueStore();
  const store = keyValueCooldownStore(kv, { prefix: 'cd:' });
  // Two takes at once for the last slot: one wins, the other sees the limit.
  const answers = await Promise.all([store.take('k', 1, 1000, T0), store.take('k', 1, 1000, T0)]);
  expect(answers.sort()).toEqual([0, 1000]);
  await store.reset('k');
  expect(await store.take('k', 1, 1000, T0)).toBe(0);
});

test('bad options are configuration errors naming the option', () => {
  expect(() => cooldown({ per: 'soon' })).toThrow(VkwireConfigError);
  expect(() => cooldown({ per: 'soon' })).toThrow(/`per` must be a positive number of milliseconds/);
  expect(() => cooldown({ per: 1000, limit: 0 })).toThrow(
    /cooldown: `limit` must be a positive integer, got 0/,
  );
  expect(() => cooldown({ per: 1000, bucket: 'room' as 'chat' })).toThrow(
    /`bucket` must be one of user, chat/,
  );
});

test('waits read as words', () => {
  expect([
    formatWait(1),
    formatWait(8_000),
    formatWait(60_000),
    formatWait(125_000),
    formatWait(5_400_000),
  ]).toEqual(['1 s', '8 s', '1 min', '2 min 5 s', '1 h 30 min']);
});
