import { randomUUID } from 'node:crypto';
import {
  Bot,
  type Context,
  type FsmFlavor,
  fsm,
  type SceneFlavor,
  type SessionFlavor,
  scene,
  session,
  stage,
  stateData,
} from '@vkwire/bot-framework';
import { silentLogger } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { afterEach, expect, test } from 'vitest';
import { RedisLease, RedisStorage } from '../src/stores/index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function worker<C extends Context>(vk: Sandbox): { bot: Bot<C>; errors: Error[] } {
  const bot = new Bot<C>({ token: vk.group.token, baseUrl: vk.apiUrl, logger: silentLogger });
  const errors: Error[] = [];
  bot.catch((error) => {
    errors.push(error);
  });
  closers.push(() => bot.stop());
  return { bot, errors };
}

function redisState(prefix = `test:${randomUUID()}:`): { storage: RedisStorage; lease: RedisLease } {
  const storage = new RedisStorage({ redis: redisUrl(), prefix });
  const lease = new RedisLease({ redis: redisUrl(), prefix });
  closers.push(
    () => storage.close(),
    () => lease.close(),
  );
  return { storage, lease };
}

function messages(vk: Sandbox): VkParsedUpdate[] {
  return vk.events().filter((update) => update.type === 'message_new') as unknown as VkParsedUpdate[];
}

test('two workers on one Redis storage and lease: a burst of 20 sees every increment once', async () => {
  await using vk = await createSandbox({ rateLimit: false });
  // A connection of its own per worker, as two processes have: features given one storage object
  // share this process's lock, which would order the burst without the lease.
  const prefix = `test:${randomUUID()}:`;
  const { storage } = redisState(prefix);
  type C = Context & SessionFlavor<{ count: number }>;
  const workers = [worker<C>(vk), worker<C>(vk)] as const;
  const saw: number[] = [];
  for (const { bot } of workers) {
    const own = redisState(prefix);
    bot.use(
      session({ initial: () => ({ count: 0 }), storage: own.storage, lease: own.lease, leaseMs: 5000 }),
    );
    bot.on('message_new', async (ctx) => {
      const seen = ctx.session.count;
      // A pause inside the handler: without the lease the other worker would read the old count.
      await new Promise((resolve) => setTimeout(resolve, 5));
      saw.push(seen);
      ctx.session.count = seen + 1;
    });
  }
  for (let i = 0; i < 20; i++) vk.user(11).send(`m${i}`);
  await Promise.all(messages(vk).map((update, i) => workers[i % 2 === 0 ? 0 : 1].bot.handleUpdate(update)));
  expect(workers.flatMap((item) => item.errors)).toEqual([]);
  expect([...saw].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect((await storage.get(`${vk.group.id}:session:{uc:11:11}`))?.value).toEqual({ count: 20 });
});

test('an FSM on Redis: each step of a registration may land on either worker, or a restarted one', async () => {
  await using vk = await createSandbox({ rateLimit: false });
  const { storage, lease } = redisState();
  const states = { ask_name: stateData(), ask_age: stateData<{ name: string }>() };
  type C = Context & FsmFlavor<typeof states>;
  const build = () => {
    const { bot, errors } = worker<C>(vk);
    const flow = fsm({ states, storage, lease, transitions: { ask_name: ['ask_age'] } });
    bot.use(flow);
    bot.command('register', async (ctx) => {
      await ctx.fsm.set('ask_name');
      return 'Your name?';
    });
    bot.use(
      flow.state('ask_name', async (ctx) => {
        await ctx.fsm.set('ask_age', { name: ctx.text ?? '' });
        return 'Your age?';
      }),
      flow.state('ask_age', async (ctx) => {
        const { name } = ctx.fsm.current.data;
        await ctx.fsm.clear();
        return `${name}, ${ctx.text}`;
      }),
    );
    return { bot, errors };
  };
  const first = build();
  const second = build();
  let handled = 0;
  const step = async (bot: Bot<C>, from: number, text: string) => {
    vk.user(from).send(text);
    const fresh = messages(vk).slice(handled);
    handled += fresh.length;
    for (const update of fresh) await bot.handleUpdate(update);
  };
  await step(first.bot, 21, '/register');
  await step(second.bot, 22, '/register');
  await step(second.bot, 21, 'Ann');
  await step(first.bot, 22, 'Bob');
  await first.bot.stop();
  const restarted = build();
  await step(restarted.bot, 21, '25');
  await step(second.bot, 22, '30');
  expect([...first.errors, ...second.errors, ...restarted.errors]).toEqual([]);
  const said = (peer: number) => vk.sent({ peer }).map((message) => message.text);
  expect(said(21)).toEqual(['Your name?', 'Your age?', 'Ann, 25']);
  expect(said(22)).toEqual(['Your name?', 'Your age?', 'Bob, 30']);
  expect(await storage.get(`${vk.group.id}:fsm:{uc:21:21}`)).toBeUndefined();
});

test('a scene on Redis: each step may land on either worker, or a restarted one; back and done work across them', async () => {
  await using vk = await createSandbox({ rateLimit: false });
  const { storage, lease } = redisState();
  const signup = () =>
    scene('signup', {
      data: stateData<{ name: string; age: number; city: string }>(),
      steps: [
        { prompt: 'Your name?', handle: (ctx) => ctx.scene.next({ name: ctx.text ?? '' }) },
        {
          prompt: (ctx) => `${ctx.scene.data.name}, your age?`,
          handle: async (ctx) => {
            const age = Number(ctx.text);
            if (!Number.isInteger(age)) return 'A number, please.';
            await ctx.scene.next({ age });
          },
        },
        { prompt: 'Your city?', handle: (ctx) => ctx.scene.next({ city: ctx.text ?? '' }) },
      ],
      back: { command: 'back' },
      done: (_ctx, data) => `${data.name}, ${data.age}, ${data.city}`,
    });
  const build = () => {
    const scenes = stage([signup()], { storage, lease });
    const { bot, errors } = worker<Context & SceneFlavor<typeof scenes>>(vk);
    bot.use(scenes);
    bot.command('signup', (ctx) => ctx.scene.enter('signup'));
    return { bot, errors };
  };
  const first = build();
  const second = build();
  let handled = 0;
  const step = async (bot: { handleUpdate(update: VkParsedUpdate): Promise<void> }, text: string) => {
    vk.user(31).send(text);
    const fresh = messages(vk).slice(handled);
    handled += fresh.length;
    for (const update of fresh) await bot.handleUpdate(update);
  };
  await step(first.bot, '/signup');
  await step(second.bot, 'Ann');
  await step(first.bot, 'forty');
  await step(second.bot, '40');
  // Kept in Redis at step 3 with the data so far; the first worker goes away.
  expect((await storage.get(`${vk.group.id}:scene:{uc:31:31}`))?.value).toMatchObject({
    state: 'signup',
    data: { step: 2, data: { name: 'Ann', age: 40 } },
  });
  await first.bot.stop();
  const restarted = build();
  await step(restarted.bot, '/back');
  await step(second.bot, '41');
  await step(restarted.bot, 'Kazan');
  expect([...first.errors, ...second.errors, ...restarted.errors]).toEqual([]);
  expect(vk.sent({ peer: 31 }).map((message) => message.text)).toEqual([
    'Your name?',
    'Ann, your age?',
    'A number, please.',
    'Your city?',
    'Ann, your age?',
    'Your city?',
    'Ann, 41, Kazan',
  ]);
  expect(await storage.get(`${vk.group.id}:scene:{uc:31:31}`)).toBeUndefined();
});
