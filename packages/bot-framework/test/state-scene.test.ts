import { MemoryKeyValueStore } from '@vkwire/core';
import { afterEach, expect, test, vi } from 'vitest';
import { z } from 'zod';
import type { Context } from '../src/context.js';
import {
  type FsmFlavor,
  fsm,
  type SceneFlavor,
  type SceneLeaveReason,
  StateError,
  scene,
  stage,
  stateData,
} from '../src/index.js';
import { sandbox, texts } from './helpers.js';
import { inbox, say, stateBot } from './state-helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** name → age → confirm, with a zod schema checked when the last step finishes. */
function signupScene(log: string[] = []) {
  return scene('signup', {
    data: z.object({ name: z.string().min(2), age: z.number().int(), confirmed: z.literal(true) }),
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
      {
        prompt: (ctx) => `${ctx.scene.data.name}, ${ctx.scene.data.age}: yes?`,
        handle: async (ctx) => {
          if (ctx.text !== 'yes') return 'Say yes, /back or /cancel.';
          await ctx.scene.next({ confirmed: true });
        },
      },
    ],
    done: (_ctx, data) => `Welcome, ${data.name} (${data.age})!`,
    timeoutMs: 60_000,
    expired: 'The signup expired; /signup again.',
    cancel: { command: 'cancel', reply: 'Cancelled.' },
    back: { command: 'back' },
    onEnter: () => {
      log.push('enter');
    },
    onLeave: (_ctx, reason: SceneLeaveReason, data) => {
      log.push(`leave ${reason} ${JSON.stringify(data)}`);
    },
  });
}

function signupStage(storage = new MemoryKeyValueStore(), log: string[] = []) {
  return stage([signupScene(log)], { storage });
}

type Scenes = ReturnType<typeof signupStage>;
type SceneContext = Context & SceneFlavor<Scenes>;

function wire(bot: ReturnType<typeof stateBot<SceneContext>>['bot'], scenes: Scenes): void {
  bot.use(scenes);
  bot.command('signup', (ctx) => ctx.scene.enter('signup'));
  bot.command('cancel', () => 'Nothing to cancel.');
  bot.on('message_new', (ctx) => `echo ${ctx.text}`);
}

test('a 3-step wizard keeps two users interleaving apart and ends with the checked data', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<SceneContext>(vk);
  const log: string[] = [];
  wire(bot, signupStage(new MemoryKeyValueStore(), log));
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/signup');
  await say(vk, bot, next, 2, '/signup');
  await say(vk, bot, next, 1, 'Ann');
  await say(vk, bot, next, 2, 'Bob');
  await say(vk, bot, next, 2, 'thirty');
  await say(vk, bot, next, 2, '30');
  await say(vk, bot, next, 1, '25');
  await say(vk, bot, next, 1, 'yes');
  await say(vk, bot, next, 2, 'no');
  await say(vk, bot, next, 1, 'hello');
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name?',
    'Ann, your age?',
    'Ann, 25: yes?',
    'Welcome, Ann (25)!',
    'echo hello',
  ]);
  expect(texts(vk, 2)).toEqual([
    'Your name?',
    'Bob, your age?',
    'A number, please.',
    'Bob, 30: yes?',
    'Say yes, /back or /cancel.',
  ]);
  expect(log).toEqual(['enter', 'enter', 'leave done {"name":"Ann","age":25,"confirmed":true}']);
});

test('back from step 3 shows step 2 again; a new answer replaces the old one', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<SceneContext>(vk);
  const log: string[] = [];
  wire(bot, signupStage(new MemoryKeyValueStore(), log));
  const next = inbox(vk);
  for (const text of ['/signup', 'Ann', '25', '/back', '26', 'yes']) await say(vk, bot, next, 1, text);
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name?',
    'Ann, your age?',
    'Ann, 25: yes?',
    'Ann, your age?',
    'Ann, 26: yes?',
    'Welcome, Ann (26)!',
  ]);
  // Back on the first step leaves the scene.
  for (const text of ['/signup', '/back', 'hi']) await say(vk, bot, next, 1, text);
  expect(texts(vk, 1).slice(6)).toEqual(['Your name?', 'echo hi']);
  expect(log.at(-1)).toBe('leave back {}');
});

test('cancel mid-way leaves the scene and replies; outside a scene the command passes on', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<SceneContext>(vk);
  const log: string[] = [];
  wire(bot, signupStage(new MemoryKeyValueStore(), log));
  const next = inbox(vk);
  for (const text of ['/signup', 'Ann', '/cancel', '/cancel', '25']) await say(vk, bot, next, 1, text);
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name?',
    'Ann, your age?',
    'Cancelled.',
    'Nothing to cancel.',
    'echo 25',
  ]);
  expect(log).toEqual(['enter', 'leave cancel {"name":"Ann"}']);
});

test('a step not answered within timeoutMs expires: the next message is told so and not handled', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<SceneContext>(vk);
  const log: string[] = [];
  wire(bot, signupStage(new MemoryKeyValueStore(), log));
  const next = inbox(vk);
  await say(vk, bot, next, 1, '/signup');
  await say(vk, bot, next, 1, 'Ann');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 59_000);
  await say(vk, bot, next, 1, '25'); // within the timeout: answered, the clock restarts at step 3
  vi.setSystemTime(Date.now() + 61_000);
  await say(vk, bot, next, 1, 'yes');
  await say(vk, bot, next, 1, 'yes');
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name?',
    'Ann, your age?',
    'Ann, 25: yes?',
    'The signup expired; /signup again.',
    'echo yes',
  ]);
  expect(log).toEqual(['enter', 'leave timeout {"name":"Ann","age":25}']);
});

test('a restart mid-scene: a new bot on the same storage continues at the same step with the data', async () => {
  const vk = await sandbox();
  const storage = new MemoryKeyValueStore();
  const next = inbox(vk);
  const first = stateBot<SceneContext>(vk).bot;
  wire(first, signupStage(storage));
  await say(vk, first, next, 1, '/signup');
  await say(vk, first, next, 1, 'Ann');
  await say(vk, first, next, 2, '/signup');
  await first.stop();
  const { bot: second, errors } = stateBot<SceneContext>(vk);
  wire(second, signupStage(storage));
  await say(vk, second, next, 1, '41');
  await say(vk, second, next, 2, 'Bob');
  await say(vk, second, next, 1, 'yes');
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Your name?', 'Ann, your age?', 'Ann, 41: yes?', 'Welcome, Ann (41)!']);
  expect(texts(vk, 2)).toEqual(['Your name?', 'Bob, your age?']);
  // Kept through the stage's FSM, under the community, the feature, then the user in the chat.
  expect((await storage.get(`${vk.group.id}:scene:{uc:1:1}`))?.value).toBeUndefined();
  expect((await storage.get(`${vk.group.id}:scene:{uc:2:2}`))?.value).toMatchObject({
    state: 'signup',
    data: { step: 1, data: { name: 'Bob' } },
  });
});

test('data the schema refuses at the end fails the update and leaves the user on the last step', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<SceneContext>(vk);
  const log: string[] = [];
  wire(bot, signupStage(new MemoryKeyValueStore(), log));
  const next = inbox(vk);
  // A one-letter name passes step 1 (the schema is checked when the last step finishes).
  for (const text of ['/signup', 'A', '5', 'yes', '/cancel']) await say(vk, bot, next, 1, text);
  expect(errors).toHaveLength(1);
  expect(errors[0]?.name).toBe('ZodError');
  expect(texts(vk, 1)).toEqual(['Your name?', 'A, your age?', 'A, 5: yes?', 'Cancelled.']);
  expect(log).toEqual(['enter', 'leave cancel {"name":"A","age":5}']);
});

test('the stage keeps ctx.fsm for an FSM of your own, and ctx.scene works from another scene', async () => {
  const vk = await sandbox();
  const flow = fsm({ states: { idle: stateData(), busy: stateData<{ why: string }>() } });
  const greet = scene('greet', {
    steps: [{ prompt: 'Hi! Your mood?', handle: (ctx) => ctx.scene.next({ mood: ctx.text ?? '' }) }],
    data: stateData<{ mood: string }>(),
    done: (_ctx, data) => `Mood: ${data.mood}`,
  });
  const scenes = stage([signupScene(), greet]);
  type Ctx = Context & SceneFlavor<typeof scenes> & FsmFlavor<typeof flow.states>;
  const { bot, errors } = stateBot<Ctx>(vk);
  bot.use(flow, scenes);
  bot.command('busy', async (ctx) => {
    await ctx.fsm.set('busy', { why: 'scenes' });
    await ctx.scene.enter('greet');
  });
  bot.command('where', (ctx) => `${ctx.fsm.state} ${ctx.scene.name}`);
  const next = inbox(vk);
  for (const text of ['/busy', 'fine', '/where']) await say(vk, bot, next, 1, text);
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual(['Hi! Your mood?', 'Mood: fine', 'busy undefined']);
});

test('moves outside a scene and unknown scenes fail with StateError; bad declarations fail early', async () => {
  const vk = await sandbox();
  const { bot, errors } = stateBot<SceneContext>(vk);
  const scenes = signupStage();
  bot.use(scenes);
  bot.hears('next', (ctx) => ctx.scene.next());
  bot.hears('nowhere', (ctx) => ctx.scene.enter('nowhere' as 'signup'));
  bot.hears('leave', (ctx) => ctx.scene.leave());
  const next = inbox(vk);
  for (const text of ['next', 'nowhere', 'leave']) await say(vk, bot, next, 1, text);
  expect(errors).toHaveLength(2);
  expect(errors[0]).toBeInstanceOf(StateError);
  expect(errors[0]).toMatchObject({ code: 'no_fsm_state' });
  expect(errors[1]).toMatchObject({ code: 'bad_transition' });
  expect(errors[1]?.message).toContain('no scene "nowhere"');
  expect(() => scene('x', { steps: [] })).toThrow(/steps/);
  expect(() => scene('x', { steps: [() => undefined], timeoutMs: 0 })).toThrow(/timeoutMs/);
  expect(() => stage([signupScene(), signupScene()])).toThrow(/distinct names/);
});

test('types follow the declaration: step data is typed, enter takes declared names', () => {
  const scenes = signupStage();
  // Compile-time only: never called.
  const typed = async (ctx: SceneContext): Promise<void> => {
    await ctx.scene.enter('signup', { name: 'Ann' });
    // @ts-expect-error: not a declared scene
    await ctx.scene.enter('nowhere');
    // @ts-expect-error: age is a number
    await ctx.scene.enter('signup', { age: '25' });
    const current = ctx.scene.current;
    if (current?.name === 'signup') current.data.age?.toFixed();
  };
  scene('typed', {
    data: stateData<{ n: number }>(),
    steps: [
      async (ctx) => {
        // @ts-expect-error: n is a number
        await ctx.scene.next({ n: 'one' });
        ctx.scene.data.n?.toFixed();
      },
    ],
  });
  expect(typeof typed).toBe('function');
  expect(scenes.fsm.describe()).toContain('signup');
});

test('the README scenes example, through the public entry', async () => {
  const vk = await sandbox();
  const left: string[] = [];
  const signup = scene('signup', {
    data: z.object({ name: z.string().min(2), age: z.number().int() }),
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
    ],
    done: (_ctx, data) => `Welcome, ${data.name} (${data.age})!`,
    timeoutMs: 10 * 60_000,
    expired: 'The signup expired; send /signup again.',
    cancel: { command: 'cancel', reply: 'Cancelled.' },
    back: { command: 'back' },
    onLeave: (_ctx, reason, data) => {
      left.push(`${reason} ${JSON.stringify(data)}`);
    },
  });
  const scenes = stage([signup], { ttlMs: 86_400_000 });
  type MyContext = Context & SceneFlavor<typeof scenes>;
  const { bot, errors } = stateBot<MyContext>(vk);
  bot.use(scenes);
  bot.command('signup', (ctx) => ctx.scene.enter('signup'));
  const next = inbox(vk);
  for (const text of ['/signup', 'Ann', '/cancel', '/signup', 'Bo', '/back', 'Bob', 'x', '7'])
    await say(vk, bot, next, 1, text);
  expect(errors).toEqual([]);
  expect(texts(vk, 1)).toEqual([
    'Your name?',
    'Ann, your age?',
    'Cancelled.',
    'Your name?',
    'Bo, your age?',
    'Your name?',
    'Bob, your age?',
    'A number, please.',
    'Welcome, Bob (7)!',
  ]);
  expect(left).toEqual(['cancel {"name":"Ann"}', 'done {"name":"Bob","age":7}']);
});

test("describe() draws a scene's steps, back, done, cancel and timeout as Mermaid; a stage draws all its scenes", () => {
  const signup = signupScene();
  expect(signup.describe()).toBe(
    [
      'stateDiagram-v2',
      '    [*] --> signup : enter',
      '    state signup {',
      '        signup_1 : 1. Your name?',
      '        signup_2 : 2. step 2',
      '        signup_3 : 3. step 3',
      '        [*] --> signup_1',
      '        signup_1 --> signup_2 : next',
      '        signup_2 --> signup_3 : next',
      '        signup_2 --> signup_1 : /back',
      '        signup_3 --> signup_2 : /back',
      '        signup_3 --> [*] : done',
      '        signup_1 --> [*] : /back',
      '    }',
      '    signup --> [*]',
      '    signup --> [*] : /cancel',
      '    signup --> [*] : timeout 60000 ms',
      '',
    ].join('\n'),
  );
  const survey = scene('survey', { steps: [{ name: 'rate us', handle: () => {} }] });
  expect(survey.describe()).toBe(
    [
      'stateDiagram-v2',
      '    [*] --> survey : enter',
      '    state survey {',
      '        survey_1 : 1. rate us',
      '        [*] --> survey_1',
      '        survey_1 --> [*] : done',
      '    }',
      '    survey --> [*]',
      '',
    ].join('\n'),
  );
  expect(stage([signup, survey]).describe()).toBe(
    `stateDiagram-v2\n${signup.describe().split('\n').slice(1).join('\n')}${survey.describe().split('\n').slice(1).join('\n')}`,
  );
});
