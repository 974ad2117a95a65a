import { VkApi } from '@vkwire/api-client';
import { expect, expectTypeOf, test, vi } from 'vitest';
import { WaitCancelledError } from '../src/state/wait/errors.js';
import { UserBot } from '../src/user-bot.js';
import { cleanup, deferred, memoryLogger, sandbox, track } from './helpers.js';

const USER = 193847562;

// The account here is a community read through User Long Poll (as VK allows with a community
// token), so simulated users can write to it; the last test runs on a user's token.
test('a User Long Poll bot: commands and hears work as in a community bot; its own messages are skipped', async () => {
  const vk = await sandbox();
  const log = memoryLogger();
  const bot = new UserBot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: log.logger,
    longPoll: { wait: 1 },
  });
  const seen = track(bot);
  const texts: string[] = [];
  bot.command('ping', () => 'pong');
  bot.hears(/^echo (.+)/, (ctx) => ctx.match[1]);
  bot.on('message_new', (ctx) => {
    expectTypeOf(ctx.update.flags.outbox).toEqualTypeOf<boolean>();
    expectTypeOf(ctx.message.text).toEqualTypeOf<string>();
    texts.push(ctx.message.text);
  });
  await bot.start();
  cleanup(() => bot.stop());
  vk.user(USER).send('/ping');
  vk.user(USER).send('echo hello');
  vk.user(USER).send('just text');
  // Other events (unread counters, read marks) arrive too: wait for the last message's handler.
  await vi.waitFor(() => expect(texts).toEqual(['just text']));
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['pong', 'hello']);
  // The replies came back as outgoing message_new events and were not handled.
  expect(seen.types.filter((type) => type === 'message_new')).toHaveLength(3);
  expect(seen.types).toContain('unread_count');
  expect(log.errors).toEqual([]);
});

test('a user bot deletes by message id (its events carry no cmid)', async () => {
  const vk = await sandbox();
  const bot = new UserBot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    longPoll: { wait: 1 },
  });
  const done = deferred();
  bot.hears('delete me', async (ctx) => {
    await ctx.delete();
    done.resolve();
  });
  await bot.start();
  cleanup(() => bot.stop());
  vk.user(USER).send('delete me');
  await done.promise;
  const [call] = vk.calls({ method: 'messages.delete' });
  expect(call?.params).toMatchObject({ peer_id: String(USER), message_ids: expect.stringMatching(/^\d+$/) });
  expect(call?.errorCode).toBeUndefined();
});

test('with a user token: the account hears the community and answers it as the user', async () => {
  const vk = await sandbox();
  const account = vk.user(5, { firstName: 'Vera' });
  vk.user(5).send('hello, shop'); // the dialog exists
  const bot = new UserBot({
    token: account.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    longPoll: { wait: 1 },
  });
  const answered = deferred();
  bot.command('price', async (ctx) => {
    expect(ctx.peerId).toBe(-vk.group.id);
    await ctx.send('How much is it?');
    answered.resolve();
  });
  await bot.start();
  cleanup(() => bot.stop());
  const community = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl });
  cleanup(() => community.close());
  await community.messages.send({ peer_id: 5, message: '/price' });
  await answered.promise;
  const last = vk.events().at(-1) as unknown as {
    type: string;
    object: { message: { from_id: number; text: string } };
  };
  expect(last.type).toBe('message_new');
  expect(last.object.message).toMatchObject({ from_id: 5, text: 'How much is it?' });
});

test('a user bot waits with ctx.waitFor: the answer goes to the wait, the rest to the handlers; stop() cancels a wait', async () => {
  const vk = await sandbox();
  const bot = new UserBot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    longPoll: { wait: 1 },
  });
  const handled: string[] = [];
  const outcome: string[] = [];
  bot.command('remind', async (ctx) => {
    await ctx.reply('What about?');
    const what = await ctx.waitFor({ type: 'message', text: /^about / }, { timeout: 10_000 });
    expectTypeOf(what.message.text).toEqualTypeOf<string>();
    await what.reply(`Noted: ${what.message.text.slice(6)}`);
    try {
      await what.waitFor('message', { timeout: 60_000 });
      outcome.push('answered');
    } catch (error) {
      outcome.push(error instanceof WaitCancelledError ? error.code : String(error));
    }
  });
  bot.on('message_new', (ctx) => {
    handled.push(ctx.message.text);
  });
  await bot.start();
  cleanup(() => bot.stop());
  vk.user(USER).send('/remind');
  await vi.waitFor(() => expect(vk.sent({ peer: USER }).map((m) => m.text)).toEqual(['What about?']));
  vk.user(USER).send('hmm');
  vk.user(USER).send('about milk');
  await vi.waitFor(() =>
    expect(vk.sent({ peer: USER }).map((m) => m.text)).toEqual(['What about?', 'Noted: milk']),
  );
  await vi.waitFor(() => expect(handled).toEqual(['hmm']));
  const result = await bot.stop();
  expect(result.abandoned).toBe(0);
  expect(outcome).toEqual(['wait_cancelled']);
});

test("a user bot's API client logs to the bot's logger (unless apiOptions names its own)", async () => {
  const vk = await sandbox();
  const debug: string[] = [];
  const logger = {
    ...memoryLogger().logger,
    debug: (_fields: object, message?: string) => void debug.push(message ?? ''),
  };
  const bot = new UserBot({ token: vk.group.token, baseUrl: vk.apiUrl, logger, longPoll: { wait: 1 } });
  bot.command('ping', () => 'pong');
  await bot.start();
  cleanup(() => bot.stop());
  vk.user(USER).send('/ping');
  await vi.waitFor(() => expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['pong']));
  expect(debug).toContain('vk api request');

  const own: string[] = [];
  const apiLogger = {
    ...memoryLogger().logger,
    debug: (_fields: object, message?: string) => void own.push(message ?? ''),
  };
  const other = new UserBot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger,
    apiOptions: { logger: apiLogger },
  });
  await other.api.call('users.get', { user_ids: String(USER) });
  await other.stop();
  expect(own).toContain('vk api request');
});
