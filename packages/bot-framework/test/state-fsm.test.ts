import { MemoryKeyValueStore } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { afterEach, expect, test, vi } from 'vitest';
import { z } from 'zod';
import type { Context } from '../src/context.js';
import type { MiddlewareFn } from '../src/middleware.js';
import { type FsmControl, type FsmFlavor, fsm, StateError, stateData } from '../src/state/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** name → age → done, with a schema for the age step and a type-only declaration elsewhere. */
function registration(storage = new MemoryKeyValueStore(), ttlMs?: number) {
  return fsm({
    states: {
      ask_name: stateData(),
      ask_age: z.object({ name: z.string().min(1) }),
      done: stateData<{ name: string; age: number }>(),
    },
    transitions: { ask_name: ['ask_age'], ask_age: ['done'] },
    cancel: { command: 'cancel', reply: 'Cancelled.' },
    storage,
    ttlMs,
  });
}

type Flow = ReturnType<typeof registration>;
type RegContext = Context & FsmFlavor<Flow['states']>;

function wire(bot: ReturnType<typeof stateBot<RegContext>>['bot'], flow: Flow): void {
  bot.use(flow);
  bot.command('register', async (ctx) => {
    await ctx.fsm.set('ask_name');
    return 'Your name?';
  });
  bot.filter(flow.inState('ask_name'), async (ctx) => {
    await ctx.fsm.set('ask_age', { name: ctx.text ?? '' });
    await ctx.reply('Your age?');
  });
  bot.use(
    flow.state('ask_age', async (ctx) => {
      const age = Number(ctx.text);
      if (!Number.isInteger(age)) return 'A number, please.';
      const { name } = ctx.fsm.current.data;
      await ctx.fsm.set('done', { name, age });
      return `Registered: ${name}, ${age}`;
    }),
  );
  bot.command('cancel', () => 'Nothing to cancel.');
  bot.command('forget', async (ctx) => {
    await ctx.fsm.clear();
  });
  bot.use(flow.state('done', (ctx) => `You are ${ctx.fsm.current.data.name}.`));
}

test('a registration FSM keeps two users interleaving apart', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<RegContext>(vk);
  wire(bot, registration());
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/register');
  await say(vk, bot, next, 2, '/register');
  await say(vk, bot, next, 1, 'Ann');
  await say(vk, bot, next, 2, 'Bob');
  await say(vk, bot, next, 2, 'thirty');
  await say(vk, bot, next, 2, '30');
  await say(vk, bot, next, 1, '25');
  await say(vk, bot, next, 1, 'hello');
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Your name?', 'Your age?', 'Registered: Ann, 25', 'You are Ann.']);
  expect(texts(vk, 2)).toEqual(['Your name?', 'Your age?', 'A number, please.', 'Registered: Bob, 30']);
});

test('an FSM survives a restart: a new bot on the same store continues mid-flow', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const next = inbox(vk);
  const first = stateBot<RegContext>(vk).bot;
  wire(first, registration(storage));
  await say(vk, first, next, 1, '/register');
  await say(vk, first, next, 1, 'Ann');
  await first.stop();
  const second = stateBot<RegContext>(vk).bot;
  wire(second, registration(storage));
  await say(vk, second, next, 1, '41');
  expect(texts(vk, 1)).toEqual(['Your name?', 'Your age?', 'Registered: Ann, 41']);
});

test('the cancel command leaves the FSM from any state and replies; without a state it passes on', async () => {
  const vk = await sandbox();
  const { bot } = stateBot<RegContext>(vk);
  const flow = registration();
  const left: string[] = [];
  flow.onLeave('ask_age', (_ctx, data) => {
    left.push(`left ask_age as ${data.name}`);
  });
  wire(bot, flow);
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/register');
  await say(vk, bot, next, 1, 'Ann');
  await say(vk, bot, next, 1, '/cancel');
  await say(vk, bot, next, 1, '/cancel');
  await say(vk, bot, next, 1, 'Ann');
  expect(texts(vk, 1)).toEqual(['Your name?', 'Your age?', 'Cancelled.', 'Nothing to cancel.']);
  expect(left).toEqual(['left ask_age as Ann']);
});

test('a state expires after its TTL: the user is out of the FSM', async () => {
  const vk = await sandbox();
  const { bot } = stateBot<RegContext>(vk);
  wire(bot, registration(new MemoryKeyValueStore(), 60_000));
  bot.on('message_new', () => 'Say /register.');
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/register');
  await say(vk, bot, next, 1, 'Ann');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 61_000);
  await say(vk, bot, next, 1, '25');
  expect(texts(vk, 1)).toEqual(['Your name?', 'Your age?', 'Say /register.']);
});

test('enter and leave hooks run in order on each change of state', async () => {
  const vk = await sandbox();
  const { bot } = stateBot<RegContext>(vk);
  const flow = registration();
  const log: string[] = [];
  for (const state of ['ask_name', 'ask_age', 'done'] as const) {
    flow.onEnter(state, () => {
      log.push(`enter ${state}`);
    });
    flow.onLeave(state, () => {
      log.push(`leave ${state}`);
    });
  }
  wire(bot, flow);
  const next = inbox(vk);
  for (const text of ['/register', 'Ann', '25', '/forget']) await say(vk, bot, next, 1, text);
  expect(log).toEqual([
    'enter ask_name',
    'leave ask_name',
    'enter ask_age',
    'leave ask_age',
    'enter done',
    'leave done',
  ]);
});

test('a move the transitions do not allow, or data the schema refuses, fails and changes nothing', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<RegContext>(vk);
  const flow = registration();
  bot.use(flow);
  bot.hears('start', (ctx) => ctx.fsm.set('ask_name'));
  bot.hears('jump', (ctx) => ctx.fsm.set('done', { name: 'x', age: 1 }));
  bot.hears('empty', (ctx) => ctx.fsm.set('ask_age', { name: '' }));
  bot.hears('where', (ctx) => `in ${ctx.fsm.state}`);
  const next = inbox(vk);
  for (const text of ['start', 'jump', 'empty', 'where']) await say(vk, bot, next, 1, text);
  expect(errors).toHaveLength(2);
  expect(errors[0]).toBeInstanceOf(StateError);
  expect(errors[0]).toMatchObject({ code: 'bad_transition' });
  expect(errors[0]?.message).toContain('no transition from "ask_name" to "done"');
  expect(errors[1]?.name).toBe('ZodError');
  expect(texts(vk, 1)).toEqual(['in ask_name']);
});

test('update() merges into the current data; without a state it fails with no_fsm_state', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<RegContext>(vk);
  const flow = registration();
  bot.use(flow);
  bot.hears('fix', (ctx) => ctx.fsm.update({ name: 'Anna' }));
  bot.hears('go', async (ctx) => {
    await ctx.fsm.set('ask_name');
    await ctx.fsm.set('ask_age', { name: 'Ann' });
  });
  bot.hears('show', (ctx) => JSON.stringify(ctx.fsm.get()));
  const next = inbox(vk);
  for (const text of ['fix', 'go', 'fix', 'show']) await say(vk, bot, next, 1, text);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ name: 'StateError', code: 'no_fsm_state' });
  expect(texts(vk, 1)).toEqual(['{"state":"ask_age","data":{"name":"Anna"}}']);
});

test('describe() draws the declared transitions as a Mermaid state diagram', () => {
  expect(registration().describe()).toBe(
    [
      'stateDiagram-v2',
      '    [*] --> ask_name',
      '    ask_name --> ask_age',
      '    ask_age --> done',
      '    done --> [*]',
      '',
    ].join('\n'),
  );
  expect(fsm({ states: { a: stateData(), b: stateData() } }).describe()).toBe(
    'stateDiagram-v2\n    a\n    b\n',
  );
});

test('types follow the declared states: data is checked at compile time and narrowed by state', () => {
  const flow = registration();
  // Compile-time only: never called.
  const typed = async (ctx: RegContext): Promise<void> => {
    await ctx.fsm.set('ask_name');
    await ctx.fsm.set('done', { name: 'Ann', age: 25 });
    // @ts-expect-error: ask_age needs its data
    await ctx.fsm.set('ask_age');
    // @ts-expect-error: age is a number
    await ctx.fsm.set('done', { name: 'Ann', age: '25' });
    // @ts-expect-error: not a declared state
    await ctx.fsm.set('nowhere');
    const entry = ctx.fsm.get();
    if (entry?.state === 'done') entry.data.age.toFixed();
    // @ts-expect-error: data of ask_name is undefined
    if (entry?.state === 'ask_name') entry.data.name;
  };
  expect(typeof typed).toBe('function');
  expect(flow.inState('ask_age')).toBeTypeOf('function');
});

test('two FSMs given one storage under one prefix are refused by name, instead of overwriting each other', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const build = (prefix?: string) => {
    const signup = fsm({ states: { ask_name: stateData() }, storage });
    const order = fsm({ states: { ask_size: stateData() }, storage, prefix });
    type C = Context & FsmFlavor<typeof order.states>;
    const { bot, errors } = stateBot<C>(vk);
    // The inner flow takes ctx.fsm: keep the outer one's control of this update.
    let outer: FsmControl<typeof signup.states> | undefined;
    bot.use(signup.middleware() as unknown as MiddlewareFn<C>, (ctx, next) => {
      outer = (ctx as unknown as FsmFlavor<typeof signup.states>).fsm;
      return next();
    });
    bot.use(order);
    bot.command('signup', async () => {
      await outer?.set('ask_name');
      return 'Your name?';
    });
    bot.command('order', async (ctx) => {
      await ctx.fsm.set('ask_size');
      return 'Which size?';
    });
    bot.on('message_new', (ctx) => `signup: ${outer?.state}, order: ${ctx.fsm.state}`);
    return { bot, errors };
  };
  const next = inbox(vk);
  // Both under "fsm": the order's state would replace the signup's in the one key they share.
  const clash = build();
  for (const text of ['/signup', '/order', 'hi']) await say(vk, clash.bot, next, 1, text);
  expect(clash.errors.length).toBeGreaterThan(0);
  expect(clash.errors[0]).toMatchObject({ name: 'VkwireConfigError', option: 'prefix' });
  expect((clash.errors[0] as Error).message).toContain('"fsm"');
  await clash.bot.stop();
  // With a prefix of its own each flow keeps its state next to the other's.
  const apart = build('order');
  for (const text of ['/signup', '/order', 'hi']) await say(vk, apart.bot, next, 2, text);
  expect(apart.errors).toEqual([]);
  expect(texts(vk, 2)).toEqual(['Your name?', 'Which size?', 'signup: ask_name, order: ask_size']);
});

test("under strategy 'chat', the bot's own reply echoed back (message_reply) is no answer to a state", async () => {
  const vk = await sandbox();
  const flow = fsm({
    states: { ask_name: stateData(), done: stateData<{ name: string }>() },
    strategy: 'chat',
  });
  const { bot, errors } = stateBot<Context & FsmFlavor<typeof flow.states>>(vk);
  bot.use(flow);
  bot.command('start', async (ctx) => {
    await ctx.fsm.set('ask_name');
    return 'Your name?';
  });
  bot.use(
    flow.state('ask_name', async (ctx) => {
      await ctx.fsm.set('done', { name: ctx.text ?? '' });
      return `Hi, ${ctx.text}`;
    }),
  );
  bot.filter(flow.inState('ask_name'), () => 'still asking');
  // Every update the community gets, the echo of its own messages in the dialog included.
  let seen = 0;
  const pump = async () => {
    const all = vk.events() as unknown as VkParsedUpdate[];
    for (; seen < all.length; seen++) await bot.handleUpdate(all[seen] as VkParsedUpdate);
  };
  vk.user(1).send('/start');
  await pump();
  vk.user(1).send('Ann');
  await pump();
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Your name?', 'Hi, Ann']);
});
