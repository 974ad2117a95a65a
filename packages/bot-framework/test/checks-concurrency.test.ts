import { VkApi } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import { parseUpdate } from '@vkwire/events-schema';
import type { Sandbox } from '@vkwire/sandbox';
import { expect, test } from 'vitest';
import { CheckFailure, maxConcurrency } from '../src/checks/index.js';
import { Context, deliveryOf } from '../src/context.js';
import { checkBot, texts } from './checks-helpers.js';
import { cleanup, deferred, sandbox } from './helpers.js';

const ALICE = 193847562;
const BOB = 5551234;

/** A context of a real message: the user writes through the sandbox, the update is the one VK would send. */
function contextOf(vk: Sandbox, user: number, signal?: AbortSignal): Context {
  vk.user(user).send('/render');
  const update = parseUpdate(vk.events().at(-1));
  const api = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl });
  cleanup(() => api.close());
  return new Context(
    update,
    api,
    deliveryOf(undefined, { groupId: vk.group.id, eventId: undefined, signal }),
  );
}

test('at most n handlers at once per bucket: a call over the limit fails until the running one is done', async () => {
  const vk = await sandbox();
  const chat = vk.createChat({ title: 'team', members: [ALICE, BOB] });
  const started = deferred();
  const gate = deferred();
  const report = maxConcurrency(1);
  const { seen, failures } = await checkBot(vk, (bot) => {
    bot.command('report', { checks: [report] }, async (ctx) => {
      if (ctx.isChat && ctx.senderId === ALICE) {
        started.resolve();
        await gate.promise;
      }
      return `report for ${ctx.senderId}`;
    });
  });
  vk.user(ALICE).send('/report', { peerId: chat.peerId });
  await started.promise;
  expect(report.running(String(ALICE))).toBe(1);
  // Alice again, in private (another conversation, so it runs meanwhile); Bob is another bucket.
  vk.user(ALICE).send('/report');
  vk.user(BOB).send('/report');
  await seen.until(2);
  expect(texts(vk, ALICE)).toEqual(['This is still running for you: try again when it has finished.']);
  expect(texts(vk, BOB)).toEqual([`report for ${BOB}`]);
  expect(failures.map((failure) => failure.check)).toEqual(['maxConcurrency']);
  gate.resolve();
  await seen.until(3);
  expect(report.running(String(ALICE))).toBe(0);
  vk.user(ALICE).send('/report');
  await seen.until(4);
  expect(texts(vk, ALICE)).toEqual([
    'This is still running for you: try again when it has finished.',
    `report for ${ALICE}`,
  ]);
});

test('the slot is given back when the handler throws', async () => {
  const vk = await sandbox();
  const render = maxConcurrency(1, { bucket: 'global' });
  let calls = 0;
  const { seen, log } = await checkBot(vk, (bot) => {
    bot.command('render', { checks: [render] }, () => {
      calls += 1;
      if (calls === 1) throw new Error('renderer crashed');
      return 'rendered';
    });
  });
  vk.user(ALICE).send('/render');
  await seen.until(1);
  expect(render.running('global')).toBe(0);
  vk.user(BOB).send('/render');
  await seen.until(2);
  expect(texts(vk, BOB)).toEqual(['rendered']);
  expect(log.errors.map((entry) => entry.message)).toEqual([
    'unhandled error in a handler of message_new: renderer crashed',
  ]);
});

test('wait: true queues calls over the limit, first come first served, instead of failing', async () => {
  const vk = await sandbox();
  const limit = maxConcurrency(1, { bucket: 'global', wait: true });
  const order: string[] = [];
  const gate = deferred();
  const started = deferred();
  const first = limit(contextOf(vk, ALICE), async () => {
    order.push('alice starts');
    started.resolve();
    await gate.promise;
    order.push('alice ends');
  });
  const second = limit(contextOf(vk, BOB), async () => {
    order.push('bob starts');
  });
  const third = limit(contextOf(vk, 42), async () => {
    order.push('third starts');
  });
  await started.promise;
  expect(limit.running('global')).toBe(1);
  expect(order).toEqual(['alice starts']);
  gate.resolve();
  await Promise.all([first, second, third]);
  expect(order).toEqual(['alice starts', 'alice ends', 'bob starts', 'third starts']);
  expect(limit.running('global')).toBe(0);
});

test('a waiting call gives up when its signal is aborted (the bot stopping) and leaves the queue', async () => {
  const vk = await sandbox();
  const limit = maxConcurrency(1, { bucket: 'global', wait: true });
  const gate = deferred();
  const stopping = new AbortController();
  const ran: string[] = [];
  const first = limit(contextOf(vk, ALICE), () => gate.promise);
  const waiting = limit(contextOf(vk, BOB, stopping.signal), async () => {
    ran.push('bob');
  });
  const reason = new Error('stop timeout');
  stopping.abort(reason);
  await expect(waiting).rejects.toBe(reason);
  gate.resolve();
  await first;
  expect(ran).toEqual([]);
  expect(limit.running('global')).toBe(0);
});

test('without wait, a call over the limit is a CheckFailure', async () => {
  const vk = await sandbox();
  const limit = maxConcurrency(2, { bucket: 'global', message: 'the renderer is busy' });
  const gate = deferred();
  const running = [limit(contextOf(vk, 1), () => gate.promise), limit(contextOf(vk, 2), () => gate.promise)];
  const refused = limit(contextOf(vk, 3), async () => {});
  await expect(refused).rejects.toBeInstanceOf(CheckFailure);
  await expect(refused).rejects.toMatchObject({ check: 'maxConcurrency', message: 'The renderer is busy.' });
  gate.resolve();
  await Promise.all(running);
});

test('a limit that is not a positive integer is a configuration error', () => {
  expect(() => maxConcurrency(0)).toThrow(VkwireConfigError);
  expect(() => maxConcurrency(1.5)).toThrow(/maxConcurrency: `limit` must be a positive integer, got 1.5/);
});
