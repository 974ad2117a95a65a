import type { VkParsedUpdate } from '@vkwire/events-schema';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { cleanup, deferred, memoryLogger, sandbox } from './helpers.js';

test('handleUpdate from any source: one conversation in order, others side by side, at most `concurrency` at once', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    concurrency: 2,
    logger: memoryLogger().logger,
  });
  cleanup(() => bot.stop());
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  bot.on('message_new', async (ctx) => {
    running++;
    most = Math.max(most, running);
    log.push(`start ${ctx.text}`);
    const gate = deferred();
    gates.set(ctx.text, gate);
    await gate.promise;
    log.push(`end ${ctx.text}`);
    running--;
  });
  for (const [user, text] of [
    [1, 'a1'],
    [1, 'a2'],
    [2, 'b1'],
    [3, 'c1'],
  ] as const)
    vk.user(user).send(text);
  const updates = vk.events() as unknown as VkParsedUpdate[];
  const handled = Promise.all(updates.map((update) => bot.handleUpdate(update)));
  const opened = async (text: string) => {
    await expect.poll(() => gates.has(text)).toBe(true);
    gates.get(text)?.resolve();
  };
  await opened('a1');
  await opened('b1');
  await opened('a2');
  await opened('c1');
  await handled;
  expect(most).toBe(2);
  expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
  expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
});

test('an update of a community the bot does not serve is refused with a clear error', async () => {
  const vk = await sandbox();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  cleanup(() => bot.stop());
  vk.user(1).send('hi');
  const [update] = vk.events() as unknown as VkParsedUpdate[];
  await expect(
    bot.handleUpdate({ ...(update as VkParsedUpdate), group_id: 1 } as VkParsedUpdate),
  ).rejects.toMatchObject({
    name: 'BotStateError',
    code: 'no_community',
  });
});

test('hooks around outgoing API calls see every call handlers make', async () => {
  const vk = await sandbox();
  const calls: string[] = [];
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    apiOptions: { hooks: { afterCall: (info) => calls.push(info.method) } },
  });
  cleanup(() => bot.stop());
  bot.command('ping', () => 'pong');
  vk.user(1).send('/ping');
  const [update] = vk.events() as unknown as VkParsedUpdate[];
  await bot.handleUpdate(update as VkParsedUpdate);
  expect(calls).toContain('messages.send');
});

test('bad options are VkwireConfigErrors naming the option, never showing the token', () => {
  expect(() => new Bot({})).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'token' }));
  expect(() => new Bot({ token: 'secret-token', prefixes: [] })).toThrow(
    expect.objectContaining({ option: 'prefixes' }),
  );
  expect(() => new Bot({ token: 'secret-token', concurrency: 0 })).toThrow(
    expect.objectContaining({ option: 'concurrency' }),
  );
  expect(() => new Bot({ token: 'x', every: 1 } as never).every('soon', () => {})).toThrow(
    /every\(interval\)/,
  );
  try {
    new Bot({ communities: [{ token: 'secret-token', groupId: -5 }] });
  } catch (error) {
    expect(String(error)).not.toContain('secret-token');
    expect(error).toMatchObject({ option: 'communities[0].groupId' });
  }
});

test('stop(): an update still queued when stop() gives up is not handled, and its caller hears so', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    concurrency: 1,
    stopTimeoutMs: 50,
    logger: memoryLogger().logger,
  });
  const handled: string[] = [];
  const gate = deferred();
  bot.on('message_new', async (ctx) => {
    handled.push(ctx.text);
    if (ctx.text === 'slow') await gate.promise;
  });
  vk.user(1).send('slow');
  vk.user(2).send('queued');
  const [slow, queued] = vk.events() as unknown as VkParsedUpdate[];
  const first = bot.handleUpdate(slow as VkParsedUpdate);
  const second = bot.handleUpdate(queued as VkParsedUpdate);
  await expect.poll(() => handled).toEqual(['slow']);
  const result = await bot.stop();
  expect(result.abandoned).toBe(2);
  gate.resolve();
  await first;
  await expect(second).rejects.toMatchObject({ name: 'BotStateError', code: 'bot_stopped' });
  expect(handled).toEqual(['slow']);
});

test('updates about one user (group_join, then a message) keep their order through handleUpdate', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    concurrency: 4,
    logger: memoryLogger().logger,
  });
  cleanup(() => bot.stop());
  const log: string[] = [];
  const gate = deferred();
  bot.on('group_join', async () => {
    await gate.promise;
    log.push('join');
  });
  bot.on('message_new', (ctx) => {
    log.push(`message ${ctx.text}`);
  });
  const user = vk.user(7);
  user.join();
  user.send('hello');
  const updates = vk.events() as unknown as VkParsedUpdate[];
  expect(updates.map((update) => update.type)).toEqual(['group_join', 'message_new']);
  const handled = Promise.all(updates.map((update) => bot.handleUpdate(update)));
  // The message waits for the join of the same user, though a slot is free.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(log).toEqual([]);
  gate.resolve();
  await handled;
  expect(log).toEqual(['join', 'message hello']);
});

test('longPoll: false: start() runs the background tasks and polls nothing; updates come from handleUpdate', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    longPoll: false,
    logger: memoryLogger().logger,
  });
  cleanup(() => bot.stop());
  const ran = deferred();
  bot.every(60_000, () => ran.resolve(), { runOnStart: true });
  bot.command('ping', () => 'pong');
  await bot.start();
  await ran.promise;
  vk.user(1).send('/ping');
  for (const update of vk.events() as unknown as VkParsedUpdate[]) await bot.handleUpdate(update);
  await expect.poll(() => vk.sent({ peer: 1 }).map((message) => message.text)).toEqual(['pong']);
  expect(vk.calls({ method: 'groups.getLongPollServer' })).toEqual([]);
});

test('a backlog of 5000 updates over 500 conversations: each conversation in order, slots in arrival order, never more than `concurrency` at once', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    concurrency: 3,
    logger: memoryLogger().logger,
  });
  cleanup(() => bot.stop());
  vk.user(1).send('template');
  const [template] = vk.events() as unknown as VkParsedUpdate[];
  const message = (index: number): VkParsedUpdate => {
    const base = template as VkParsedUpdate & { object: { message: Record<string, unknown> } };
    const user = 1 + (index % 500);
    return {
      ...base,
      event_id: `e${index}`,
      object: {
        ...base.object,
        message: { ...base.object.message, from_id: user, peer_id: user, text: String(index) },
      },
    } as VkParsedUpdate;
  };
  const started: number[] = [];
  const lastOf = new Map<number, number>();
  let running = 0;
  let most = 0;
  let outOfOrder = 0;
  bot.on('message_new', async (ctx) => {
    const index = Number(ctx.text);
    running++;
    most = Math.max(most, running);
    started.push(index);
    const user = ctx.senderId ?? 0;
    if ((lastOf.get(user) ?? -1) > index) outOfOrder++;
    lastOf.set(user, index);
    // Some handlers finish in a later turn, so slots free up in a mixed order.
    if (index % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    running--;
  });
  await Promise.all(Array.from({ length: 5000 }, (_, index) => bot.handleUpdate(message(index))));
  expect(started).toHaveLength(5000);
  expect(outOfOrder).toBe(0);
  expect(most).toBe(3);
  // Every update of a conversation comes after the one 500 before it, and nothing waits forever:
  // with distinct conversations ahead of them, slots are handed out in the order updates came.
  expect(started.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
