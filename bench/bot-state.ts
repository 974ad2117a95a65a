/**
 * Bot state: message_new/s through a 3-state FSM flow plus a session counter, kept in memory
 * (`MemoryKeyValueStore`), in Redis (redis-bridge's `RedisStorage`) and in Redis with a
 * `RedisLease` shared by both features — against the same bot without state, in the same run.
 *
 * Every user's messages walk a → b → c → a …: a message's text names the state it moves to, and
 * the stateful bot routes on the state the previous message left (`flow.state(...)`), checks that
 * it agrees with the text, bumps `ctx.session.count` and moves on with a small data object
 * (`{ n, from }`); transitions are declared, so every `set` is checked. The stateless bot routes
 * the same messages with three `bot.filter`s on the text and makes the same reply decision. No
 * reply is sent (the API is unreachable): the figure is dispatch + state, not the network.
 *
 * Feed (`--feed`): `handleUpdate` (the default) calls `bot.handleUpdate` with updates parsed
 * (`parseUpdate`) before the clock starts, 512 in flight, the bot's default concurrency (64) — no
 * long poll, so the state's cost is not diluted by HTTP and JSON.parse: the strictest ratios.
 * `longpoll` runs each bot as deployed: `bot.start()` on the Bots Long Poll of a sandbox in its own
 * process (VK-like mode: every answer built per request), the round's messages enqueued there in one
 * bulk call once the bot polls; the rate runs from the enqueue to the last message handled, and the
 * CPU figure is the bot's process alone (HTTP and JSON parsing included).
 * Rate = events / time from the first call to the last handled; median of 3 rounds per scenario
 * after a warm-up of each, scenarios rotated round by round. After each round every user's stored
 * state and counter are checked.
 *
 * Redis: REDIS_URL if set (it is flushed!), else a private redis-server (no persistence) on
 * loopback, started and removed by this script, sharing the 2 cores with the bot.
 *
 *   pnpm --filter @vkwire/bench bot-state [--events 100000] [--users 1000] [--rounds 3]
 *     [--feed handleUpdate|longpoll] [--concurrency 64] [--only stateless,memory,redis,redis-lease]
 */
import { parseArgs } from 'node:util';
import {
  Bot,
  type BotOptions,
  type Context,
  type FsmFlavor,
  featureKey,
  fsm,
  type SessionFlavor,
  session,
  stateData,
} from '@vkwire/bot-framework';
import { type KeyValueStore, type Lease, MemoryKeyValueStore } from '@vkwire/core';
import { parseUpdate, type VkParsedUpdate } from '@vkwire/events-schema';
import { RedisLease, RedisStorage } from '@vkwire/redis-bridge';
import { destroyManagedRedis, launchManagedRedis, type ManagedRedisServer } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { BENCH_CLIENT_INFO, benchMessageUpdate } from './lib/bus-events.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    users: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'in-flight': { type: 'string', default: '512' },
    // The bot's `concurrency` (its default is 64).
    concurrency: { type: 'string' },
    feed: { type: 'string', default: 'handleUpdate' },
    // Some scenarios only, comma-separated (to profile one: node --cpu-prof --import tsx ...).
    only: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const USERS = Number(values.users);
const ROUNDS = Number(values.rounds);
const IN_FLIGHT = Number(values['in-flight']);
const CONCURRENCY = values.concurrency === undefined ? undefined : Number(values.concurrency);
const FEED = values.feed;
if (FEED !== 'handleUpdate' && FEED !== 'longpoll') throw new Error('--feed is handleUpdate or longpoll');
// Through long poll, the sandbox's community and its token.
const sandbox: SandboxProcess | undefined =
  FEED === 'longpoll' ? await startSandboxProcess(['--vk-like']) : undefined;
const GROUP = sandbox?.groupId ?? 218734561;
const FIRST_USER = 100_000_001;
const STEPS = ['a', 'b', 'c'] as const;
type Step = (typeof STEPS)[number];

/** Message `index` of the run: user `index % USERS`, its `index / USERS`-th message, which moves it to `STEPS[k % 3]`. */
function buildUpdates(count: number): VkParsedUpdate[] {
  return Array.from({ length: count }, (_, index) => {
    const user = FIRST_USER + (index % USERS);
    const nth = Math.floor(index / USERS);
    return parseUpdate(
      benchMessageUpdate({
        index,
        user,
        cmid: nth + 1,
        text: `go ${STEPS[nth % 3]}`,
        clientInfo: { ...BENCH_CLIENT_INFO, button_actions: ['text', 'callback'] },
      }),
    );
  });
}

/** What one round's handlers saw. */
interface Tally {
  handled: number;
  /** Called when `handled` reaches `expected` (the long poll feed waits for it). */
  expected?: number;
  onAll?: () => void;
  replies: Record<Step, number>;
  /** Messages whose stored state was not the one the user's previous message left. */
  mismatches: number;
  errors: number;
  firstError?: unknown;
}

const newTally = (): Tally => ({ handled: 0, replies: { a: 0, b: 0, c: 0 }, mismatches: 0, errors: 0 });

const quiet: NonNullable<BotOptions['logger']> = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => console.error('vkwire warn:', message, fields),
  error: () => {},
};

/** A bot that reaches no API: a reply would fail and be counted as an error. */
function newBot<C extends Context>(tally: Tally): Bot<C> {
  const bot = new Bot<C>({
    communities: [{ token: sandbox?.token ?? 'bench-token', groupId: GROUP }],
    baseUrl: sandbox?.apiUrl ?? 'http://127.0.0.1:9',
    longPoll: { wait: 25 },
    logger: quiet,
    concurrency: CONCURRENCY,
  });
  bot.catch((error) => {
    tally.errors += 1;
    tally.firstError ??= error;
  });
  bot.use(async (_ctx, next) => {
    await next();
    tally.handled += 1;
    if (tally.handled === tally.expected) tally.onAll?.();
  });
  return bot;
}

/** The reply the bot would send (built, not sent). */
function decide(tally: Tally, step: Step, suffix: string): string {
  tally.replies[step] += 1;
  return `moved to ${step}${suffix}`;
}

/** Without state: three filters on the text, the same reply decision. */
function statelessBot(tally: Tally): Bot<Context> {
  const bot = newBot<Context>(tally);
  for (const step of STEPS)
    bot.filter(
      (ctx) => ctx.text === `go ${step}`,
      (ctx) => {
        decide(tally, step, ` (message ${ctx.message?.conversation_message_id ?? 0})`);
      },
    );
  return bot;
}

const flowStates = {
  a: stateData<{ n: number; from: string }>(),
  b: stateData<{ n: number; from: string }>(),
  c: stateData<{ n: number; from: string }>(),
};
type StateContext = Context & SessionFlavor<{ count: number }> & FsmFlavor<typeof flowStates>;

/** With state: a session counter and an FSM a → b → c → a, both in `storage` (and `lease`). */
function statefulBot(tally: Tally, storage: KeyValueStore, lease: Lease | undefined): Bot<StateContext> {
  const bot = newBot<StateContext>(tally);
  const flow = fsm({
    states: flowStates,
    transitions: { a: ['b'], b: ['c'], c: ['a'] },
    initial: ['a'],
    storage,
    lease,
  });
  bot.use(session({ initial: () => ({ count: 0 }), storage, lease }), flow);
  const move = async (ctx: StateContext, from: Step | undefined, to: Step): Promise<void> => {
    if (ctx.text !== `go ${to}`) tally.mismatches += 1;
    const n = ++ctx.session.count;
    await ctx.fsm.set(to, { n, from: from ?? '' });
    decide(tally, to, ` (message ${n})`);
  };
  bot.use(
    flow.state('a', (ctx) => move(ctx, 'a', 'b')),
    flow.state('b', (ctx) => move(ctx, 'b', 'c')),
    flow.state('c', (ctx) => move(ctx, 'c', 'a')),
  );
  bot.on('message_new', (ctx) => move(ctx, undefined, 'a'));
  return bot;
}

/** What one round measured: messages per second, and CPU µs per message (this process, and Redis's). */
interface Measured {
  rate: number;
  cpu: number;
  redisCpu?: number;
}

/** Redis's CPU seconds so far (user + system), from INFO. */
async function redisCpuSeconds(): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/**
 * One round: feeds every update through `handleUpdate`, `IN_FLIGHT` at a time. The CPU figure
 * (user + system of this process, GC threads included) moves less than the rate when something
 * else runs on the machine.
 */
async function feed(
  bot: Bot<Context> | Bot<StateContext>,
  updates: readonly VkParsedUpdate[],
): Promise<Measured> {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (next < updates.length) {
      const update = updates[next++] as VkParsedUpdate;
      await bot.handleUpdate(update);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return {
    rate: updates.length / (elapsed / 1000),
    cpu: (cpu.user + cpu.system) / updates.length,
  };
}

/**
 * One round through long poll: the bot starts polling, the sandbox gets the round's messages in one
 * bulk call (message i from user i % USERS, whose k-th message moves it to STEPS[k % 3]), and the
 * round ends when the bot has handled them all.
 */
async function feedLongPoll(
  bot: Bot<Context> | Bot<StateContext>,
  tally: Tally,
  count: number,
): Promise<Measured> {
  const server = sandbox as SandboxProcess;
  await bot.start();
  const all = new Promise<void>((resolve) => {
    tally.expected = count;
    tally.onAll = resolve;
  });
  const userIds = Array.from({ length: USERS }, (_, index) => FIRST_USER + index);
  const texts = Array.from({ length: 3 * USERS }, (_, index) => `go ${STEPS[Math.floor(index / USERS) % 3]}`);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await control(server, '/bulk', { count, userIds, texts });
  await all;
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { rate: count / (elapsed / 1000), cpu: (cpu.user + cpu.system) / count };
}

/** What a round must have left: counts per step, and (stateful) each user's counter and state. */
async function check(name: string, tally: Tally, count: number, storage?: KeyValueStore): Promise<void> {
  const problems: string[] = [];
  if (tally.errors > 0) problems.push(`${tally.errors} errors (first: ${String(tally.firstError)})`);
  if (tally.mismatches > 0)
    problems.push(`${tally.mismatches} messages saw another state than their predecessor left`);
  if (tally.handled !== count) problems.push(`handled ${tally.handled} of ${count}`);
  const expected = { a: 0, b: 0, c: 0 };
  for (let index = 0; index < count; index += 1) expected[STEPS[Math.floor(index / USERS) % 3] as Step] += 1;
  if (JSON.stringify(tally.replies) !== JSON.stringify(expected))
    problems.push(`replies ${JSON.stringify(tally.replies)}, expected ${JSON.stringify(expected)}`);
  if (storage !== undefined)
    for (let user = 0; user < Math.min(USERS, count); user += 1) {
      const id = FIRST_USER + user;
      const messages = Math.floor(count / USERS) + (user < count % USERS ? 1 : 0);
      const base = `${GROUP}:uc:${id}:${id}`;
      const counter = (await storage.get(featureKey(base, 'session')))?.value as
        | { count: number }
        | undefined;
      const state = (await storage.get(featureKey(base, 'fsm')))?.value as
        | { state: string; data: { n: number } }
        | undefined;
      if (
        counter?.count !== messages ||
        state?.state !== STEPS[(messages - 1) % 3] ||
        state?.data.n !== messages
      ) {
        problems.push(
          `user ${id}: session ${JSON.stringify(counter)}, fsm ${JSON.stringify(state)} after ${messages} messages`,
        );
        break;
      }
    }
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
}

const median = (list: readonly number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

type Scenario = 'stateless' | 'memory' | 'redis' | 'redis-lease';
const SCENARIOS: readonly Scenario[] = ['stateless', 'memory', 'redis', 'redis-lease'];

const external = process.env.REDIS_URL;
const server: ManagedRedisServer | undefined = external ? undefined : await launchManagedRedis();
const url = external || (server as ManagedRedisServer).url;
const admin = createClient({ url }) as RedisClientType;
await admin.connect();
await admin.flushDb();
// One connection for the storage and the lease, as a worker would share it.
const redisStorage = new RedisStorage({ redis: url, prefix: 'bench:' });
const redisLease = new RedisLease({ redis: url, prefix: 'bench:' });
try {
  const chosen = SCENARIOS.filter(
    (name) => values.only === undefined || values.only.split(',').includes(name),
  );
  const updates = buildUpdates(EVENTS);
  const warmUpdates = updates.slice(0, Math.max(3 * USERS, Math.round(EVENTS / 3)));

  /** One round of `name`: a fresh bot and empty storage, then the checks. */
  const round = async (name: Scenario, list: readonly VkParsedUpdate[]): Promise<Measured> => {
    const tally = newTally();
    let storage: KeyValueStore | undefined;
    let bot: Bot<Context> | Bot<StateContext>;
    if (name === 'stateless') bot = statelessBot(tally);
    else {
      if (name !== 'memory') await admin.flushDb();
      storage = name === 'memory' ? new MemoryKeyValueStore() : redisStorage;
      bot = statefulBot(tally, storage, name === 'redis-lease' ? redisLease : undefined);
    }
    const redisBefore = name === 'memory' || name === 'stateless' ? undefined : await redisCpuSeconds();
    const measured =
      sandbox === undefined ? await feed(bot, list) : await feedLongPoll(bot, tally, list.length);
    if (redisBefore !== undefined)
      measured.redisCpu = (((await redisCpuSeconds()) - redisBefore) * 1e6) / list.length;
    await bot.stop();
    await check(name, tally, list.length, storage);
    return measured;
  };

  for (const name of chosen) await round(name, warmUpdates);
  const rates: Record<string, number[]> = {};
  const cpus: Record<string, number[]> = {};
  const redisCpus: Record<string, number[]> = {};
  for (let index = 0; index < ROUNDS; index += 1) {
    // Rotate the order so that no scenario always runs first (or right after the JIT settles).
    const order = chosen.map((_, offset) => chosen[(index + offset) % chosen.length] as Scenario);
    for (const name of order) {
      const { rate, cpu, redisCpu } = await round(name, updates);
      rates[name] = [...(rates[name] ?? []), rate];
      cpus[name] = [...(cpus[name] ?? []), cpu];
      if (redisCpu !== undefined) redisCpus[name] = [...(redisCpus[name] ?? []), redisCpu];
    }
  }
  const stateless = median(rates.stateless ?? []);
  const statelessCpu = median(cpus.stateless ?? []);
  const round1 = (value: number): number => Math.round(value * 10) / 10;
  const figure = (name: Scenario) => {
    const list = rates[name];
    if (list === undefined) return undefined;
    const rate = median(list);
    const cpu = median(cpus[name] ?? []);
    const redisCpu = redisCpus[name] === undefined ? undefined : median(redisCpus[name]);
    const total = cpu + (redisCpu ?? 0);
    return {
      messagesPerSecond: Math.round(rate),
      rounds: list.map(Math.round),
      ...(name === 'stateless' || stateless === 0 ? {} : { ratio: Number((rate / stateless).toFixed(2)) }),
      // CPU µs per message: the bot's process, Redis's, and the stateless bot's over their sum.
      cpuMicros: round1(cpu),
      ...(redisCpu === undefined ? {} : { redisCpuMicros: round1(redisCpu) }),
      ...(name === 'stateless' || statelessCpu === 0
        ? {}
        : { cpuRatio: Number((statelessCpu / total).toFixed(2)) }),
    };
  };
  const figures = {
    scenario: 'bot-state',
    events: EVENTS,
    users: USERS,
    inFlight: IN_FLIGHT,
    feed: FEED,
    stateless: figure('stateless'),
    memory: figure('memory'),
    redis: figure('redis'),
    redisLease: figure('redis-lease'),
    goals: { memory: 0.9, redis: 0.5 },
  };
  console.log(JSON.stringify(figures));
  const human = chosen
    .map((name) => {
      const item = figure(name);
      if (item === undefined) return name;
      const redis = 'redisCpuMicros' in item ? ` + Redis ${item.redisCpuMicros}` : '';
      const ratios = 'ratio' in item ? `, ${item.ratio}× by rate, ${item.cpuRatio}× by CPU` : '';
      return `${name} ${item.messagesPerSecond.toLocaleString('en')} msg/s (${item.cpuMicros}${redis} µs CPU/msg${ratios})`;
    })
    .join(', ');
  console.log(`bot-state: ${human} — medians of ${ROUNDS} rounds, ${USERS} users, every state checked`);
} finally {
  await redisStorage.close();
  await redisLease.close();
  await admin.quit();
  if (server) await destroyManagedRedis(server);
  await sandbox?.stop();
}
