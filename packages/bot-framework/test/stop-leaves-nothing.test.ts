// Stop means stopped: once bot.stop() resolves, nothing the bot created is left alive — no timer
// armed (tasks, waits, locks), no socket of its API client or long poll open, no server listening —
// and no handler or task runs afterwards, whatever was pending when it stopped.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryKeyValueStore, MemoryLease } from '@vkwire/core';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { type ResourceWatch, watchResources } from '@vkwire/testing';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { Bot } from '../src/bot.js';
import type { Context } from '../src/context.js';
import {
  type ConversationsFlavor,
  cooldown,
  type SceneFlavor,
  type SessionFlavor,
  scene,
  session,
  stage,
} from '../src/index.js';
import { UserBot } from '../src/user-bot.js';
import { memoryLogger, texts } from './helpers.js';

const ANNA = 193847562;
const BORIS = 55501;
const VERA = 77702;

const OLGA = 88803;
const GLEB = 99904;

let watch: ResourceWatch;
let vk: Sandbox;
// Stopped after each test even when it failed half-way (a bot left running would show in the next).
const running: Array<{ stop(): Promise<unknown> }> = [];

// The watch starts before the sandbox, so what the sandbox's server does for a request is told
// apart from what the bot under test created.
beforeEach(async () => {
  watch = watchResources();
  vk = await createSandbox({ rateLimit: false });
});

afterEach(async () => {
  for (const bot of running.splice(0)) await bot.stop();
  watch.end();
  await vk.close();
});

/** A port nothing listens on now (for a publicUrl known before the server starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Counts runs. */
function counter(): { n: number; bump: () => void } {
  const state = { n: 0, bump: () => void state.n++ };
  return state;
}

/** What `left` names, one line each, for a failure message that says where each was created. */
function lines(left: Array<{ type: string; detail: string; createdAt: string }>): string[] {
  return left.map((item) => `${item.type} ${item.detail} @ ${item.createdAt}`);
}

test('a long-poll bot with tasks, a pending waitFor, a conversation waiting, a scene, a view and a cooldown: nothing left after stop(), nothing runs after', async () => {
  const signup = scene('signup', {
    steps: [{ prompt: 'Your name?', handle: (ctx) => ctx.scene.next({}) }],
    timeoutMs: 60_000,
    expired: 'expired',
  });
  const scenes = stage([signup]);
  type C = Context & ConversationsFlavor & SceneFlavor<typeof scenes>;
  watch.begin();
  const bot = new Bot<C>({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    longPoll: { wait: 1 },
    conversations: { storage: new MemoryKeyValueStore(), ttlMs: 3_600_000 },
  });
  const every = counter();
  const cron = counter();
  const handled = counter();
  const waits: string[] = [];
  bot.every(50, () => every.bump());
  bot.cron('* * * * * *', () => cron.bump());
  bot.use(async (_ctx, next) => {
    handled.bump();
    await next();
  });
  bot.use(scenes);
  bot.conversation('reg', async (conv, ctx) => {
    await ctx.reply('name?');
    await conv.waitFor('message', { timeout: 60_000 });
  });
  const poll = bot.view(
    'poll',
    { state: { yes: 0 }, text: (state) => `yes ${state.yes}`, ttlMs: 60_000 },
    (view) => {
      view.button('y', 'Yes', (_ctx, v) => v.update({ yes: v.state.yes + 1 }));
    },
  );
  bot.command('wait', async (ctx) => {
    await ctx.reply('waiting');
    try {
      await ctx.waitFor('message', { timeout: 60_000 });
      waits.push('answered');
    } catch (error) {
      waits.push((error as Error).name);
    }
  });
  bot.command('reg', (ctx) => ctx.conversations.enter('reg'));
  bot.command('signup', (ctx) => ctx.scene.enter('signup'));
  bot.command('poll', (ctx) => ctx.replyView(poll));
  bot.command('cool', { checks: [cooldown({ limit: 1, per: '1m' })] }, () => 'cool');
  running.push(bot);
  await bot.start();

  vk.user(ANNA).send('/wait');
  vk.user(BORIS).send('/reg');
  vk.user(VERA).send('/signup');
  vk.user(OLGA).send('/poll');
  vk.user(GLEB).send('/cool');
  await vi.waitFor(() => {
    expect(texts(vk, ANNA)).toEqual(['waiting']);
    expect(texts(vk, BORIS)).toEqual(['name?']);
    expect(texts(vk, VERA)).toEqual(['Your name?']);
    expect(texts(vk, GLEB)).toEqual(['cool']);
    expect(texts(vk, OLGA)).toEqual(['yes 0']);
    expect(every.n).toBeGreaterThanOrEqual(2);
    expect(cron.n).toBeGreaterThanOrEqual(1);
  });
  expect(watch.live().length).toBeGreaterThan(0); // the watch sees the bot's timers and sockets

  await bot.stop();
  expect(waits).toEqual(['WaitCancelledError']);
  expect(lines(await watch.settle())).toEqual([]);

  // Nothing moves afterwards: three times the longest schedule (the cron's second), an update sent.
  const before = { every: every.n, cron: cron.n, handled: handled.n };
  vk.user(ANNA).send('anyone there?');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expect({ every: every.n, cron: cron.n, handled: handled.n }).toEqual(before);
  expect(waits).toEqual(['WaitCancelledError']);
});

test('bot.serve(): the Callback server, its connections and the API client are gone after stop()', async () => {
  const port = await freePort();
  watch.begin();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  const handled = counter();
  bot.on('message_new', async (ctx) => {
    handled.bump();
    await ctx.reply(`echo ${ctx.text}`);
  });
  // Serves at a port found free before the watch began (the probe server is not the bot's).
  running.push(bot);
  const { url } = await bot.serve({ port, path: '/vk', publicUrl: `http://127.0.0.1:${port}/vk` });
  await vk.callback.idle();
  expect(url).toContain(String(port));
  vk.user(ANNA).send('one');
  vk.user(ANNA).send('two');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual(['echo one', 'echo two']));
  await vk.callback.idle();
  await bot.stop();
  expect(lines(await watch.settle())).toEqual([]);
  expect(handled.n).toBe(2);
});

test('UserBot over User Long Poll: nothing left after stop()', async () => {
  watch.begin();
  const bot = new UserBot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    longPoll: { wait: 1 },
  });
  const handled = counter();
  bot.on('message_new', () => handled.bump());
  running.push(bot);
  await bot.start();
  vk.user(BORIS).send('hi');
  await vi.waitFor(() => expect(handled.n).toBeGreaterThanOrEqual(1));
  await bot.stop();
  expect(lines(await watch.settle())).toEqual([]);
});

test("a handler abandoned by stop() while it holds a session's lease: the lease is no longer renewed after stop()", async () => {
  const lease = new MemoryLease();
  let renewals = 0;
  const renew = lease.renew.bind(lease);
  lease.renew = (key, token, ttlMs) => {
    renewals++;
    return renew(key, token, ttlMs);
  };
  watch.begin();
  const bot = new Bot<Context & SessionFlavor<{ n: number }>>({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    longPoll: { wait: 1 },
    stopTimeoutMs: 100,
  });
  bot.use(session({ initial: () => ({ n: 0 }), storage: new MemoryKeyValueStore(), lease, leaseMs: 150 }));
  let entered = false;
  bot.on('message_new', async () => {
    entered = true;
    await new Promise(() => {}); // never ends, whatever its signal says: stop() abandons it
  });
  running.push(bot);
  await bot.start();
  vk.user(ANNA).send('hang');
  await vi.waitFor(() => expect(entered).toBe(true));
  await vi.waitFor(() => expect(renewals).toBeGreaterThan(0)); // renewed every 50 ms while held
  expect(await bot.stop()).toEqual({ abandoned: 1 });
  expect(lines(await watch.settle())).toEqual([]);
  const after = renewals;
  await new Promise((resolve) => setTimeout(resolve, 300)); // six renewal periods
  expect(renewals).toBe(after);
});

test('bot.webhook() mounted by fetch: after stop() nothing is left and a later update reaches no handler', async () => {
  watch.begin();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: memoryLogger().logger,
    confirmation: 'c0de',
    secret: 'k',
  });
  const handled = counter();
  bot.on('message_new', async (ctx) => {
    handled.bump();
    await ctx.reply('seen');
  });
  const webhook = bot.webhook();
  running.push(bot);
  await bot.start();
  const post = (body: object) =>
    webhook.fetch(
      new Request('http://bot.local/vk', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, secret: 'k' }),
      }),
    );
  vk.user(ANNA).send('one');
  const [update] = vk.events().slice(-1);
  expect(await (await post(update as object)).text()).toBe('ok');
  await vi.waitFor(() => expect(texts(vk, ANNA)).toEqual(['seen']));
  await bot.stop();
  expect(lines(await watch.settle())).toEqual([]);
  vk.user(ANNA).send('two');
  const [later] = vk.events().slice(-1);
  expect((await post(later as object)).status).not.toBe(200);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(handled.n).toBe(1);
});
