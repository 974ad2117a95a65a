/**
 * Bot dispatch: message_new events through a bot with 2 middlewares, 20 commands and 5 hears whose
 * handlers only count: @vkwire/bot-framework's Bot vs vk-io with @vk-io/hear, against the same
 * sandbox (its own process) in the same run. The messages are spread over 2000 private dialogs and
 * 37 chats and rotate through 50 texts: 60% commands (every one, some with arguments or in
 * capitals), 20% hears (every one), 20% nothing the bot knows. Rate = events / time from the first
 * handled event to the last; median of 3 rounds per client after a warm-up of each, alternating.
 * Each client's own CPU per event (this process, first event to last) is reported beside the rate:
 * it does not depend on how fast the sandbox answers.
 *
 * `--vk-like` runs the sandbox in its VK-like benchmark mode: each Long Poll answer is built per
 * request, as VK builds it, instead of served from text the sandbox kept.
 *
 *   pnpm --filter @vkwire/bench bot-dispatch [--events 300000] [--rounds 3] [--vk-like] [--only vkwire|vk-io]
 */
import http from 'node:http';
import type https from 'node:https';
import { parseArgs } from 'node:util';
import { HearManager } from '@vk-io/hear';
import { Bot, type BotOptions } from '@vkwire/bot-framework';
import { type MessageContext, VK } from 'vk-io';
import type { Consumer } from './lib/clients.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '3' },
    'vk-like': { type: 'boolean', default: false },
    // One client alone (to profile it: node --cpu-prof --import tsx ...).
    only: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const VK_LIKE = values['vk-like'];

const COMMANDS = Array.from({ length: 20 }, (_, index) => `cmd${index}`);
const HEARS: readonly RegExp[] = [
  /^hi\b/i,
  /\bweather in (\w+)/i,
  /^(\d+)\s*\+\s*(\d+)$/,
  /\border #(\d+)/i,
  /\bthank(s| you)\b/i,
];
// 50 texts: 30 commands (60%), 10 hears (20%), 10 that nothing handles (20%).
const TEXTS: readonly string[] = [
  ...COMMANDS.map((name) => `/${name}`),
  ...Array.from({ length: 10 }, (_, index) =>
    index % 2 ? `/cmd${index * 2} some args` : `/CMD${index * 2}`,
  ),
  'hi there',
  'Hi bot',
  'weather in Moscow',
  'what is the weather in Kazan',
  '2 + 2',
  '10+32',
  'where is my order #123',
  'Order #7 status',
  'thanks!',
  'thank you bot',
  'hello there',
  "what's up",
  'ok',
  'see you',
  'lol',
  'good morning',
  'cmd3',
  '/cmd20',
  '/unknown',
  '/cmd1x',
];
const USERS = Array.from({ length: 2000 }, (_, index) => 100_000_001 + index);
const CHATS = 37; // 2000 + 37 conversations and 50 texts: every conversation sees every text
const CHAT_MEMBERS = 5;

/** What one client's handlers saw: the whole chain per event, each command's and each hears' handler. */
interface Tally {
  handled: number;
  commands: number[];
  hears: number[];
  senders: Map<number, number>;
}

const newTally = (): Tally => ({
  handled: 0,
  commands: COMMANDS.map(() => 0),
  hears: HEARS.map(() => 0),
  senders: new Map(),
});

/** What the handlers must have counted for `count` events of the mix. */
function expectedTally(count: number): { commands: number[]; hears: number[] } {
  const commands = COMMANDS.map(() => 0);
  const hears = HEARS.map(() => 0);
  for (let index = 0; index < TEXTS.length; index += 1) {
    const times = Math.floor(count / TEXTS.length) + (index < count % TEXTS.length ? 1 : 0);
    const text = TEXTS[index] as string;
    const command = /^\/(cmd\d+)(?:\s|$)/i.exec(text)?.[1]?.toLowerCase();
    const commandIndex = command === undefined ? -1 : COMMANDS.indexOf(command);
    if (commandIndex >= 0) commands[commandIndex] = (commands[commandIndex] ?? 0) + times;
    else {
      const hearsIndex = HEARS.findIndex((pattern) => pattern.test(text));
      if (hearsIndex >= 0) hears[hearsIndex] = (hears[hearsIndex] ?? 0) + times;
    }
  }
  return { commands, hears };
}

type Start = (sandbox: SandboxProcess, tally: Tally, onHandled: () => void) => Promise<Consumer>;

const quiet: NonNullable<BotOptions['logger']> = {
  debug: () => {},
  info: () => {},
  warn: (fields, message) => console.error('vkwire warn:', message, fields),
  error: (fields, message) => console.error('vkwire error:', message, fields),
};

/** vkwire: `Bot` with 2 middlewares, 20 commands, 5 hears. */
const startVkwire: Start = async (sandbox, tally, onHandled) => {
  const bot = new Bot({
    token: sandbox.token,
    baseUrl: sandbox.apiUrl,
    longPoll: { wait: 25 },
    logger: quiet,
  });
  bot.use(async (_ctx, next) => {
    await next();
    tally.handled += 1;
    onHandled();
  });
  bot.use(async (ctx, next) => {
    const sender = ctx.senderId ?? 0;
    tally.senders.set(sender, (tally.senders.get(sender) ?? 0) + 1);
    await next();
  });
  COMMANDS.forEach((name, index) => {
    bot.command(name, () => {
      tally.commands[index] = (tally.commands[index] ?? 0) + 1;
    });
  });
  HEARS.forEach((pattern, index) => {
    bot.hears(pattern, () => {
      tally.hears[index] = (tally.hears[index] ?? 0) + 1;
    });
  });
  await bot.start();
  return { stop: async () => void (await bot.stop()) };
};

/** vk-io: `updates.use` × 2 and `updates.on('message_new', hearManager.middleware)` with 25 hears. */
const startVkio: Start = async (sandbox, tally, onHandled) => {
  const agent = new http.Agent({ keepAlive: true });
  const vk = new VK({
    token: sandbox.token,
    apiBaseUrl: sandbox.apiUrl,
    pollingGroupId: sandbox.groupId,
    // vk-io types the agent as https.Agent but needs an http one for a plain-http URL.
    agent: agent as unknown as https.Agent,
  });
  const hearManager = new HearManager<MessageContext>();
  vk.updates.use(async (_context, next) => {
    await next();
    tally.handled += 1;
    onHandled();
  });
  vk.updates.use(async (context, next) => {
    const sender = (context as Partial<MessageContext>).senderId ?? 0;
    tally.senders.set(sender, (tally.senders.get(sender) ?? 0) + 1);
    await next();
  });
  // A command as vkwire reads it: the prefix, the name in any case, then the end or a space.
  COMMANDS.forEach((name, index) => {
    hearManager.hear(new RegExp(`^/${name}(?:\\s|$)`, 'i'), async () => {
      tally.commands[index] = (tally.commands[index] ?? 0) + 1;
    });
  });
  HEARS.forEach((pattern, index) => {
    hearManager.hear(pattern, async () => {
      tally.hears[index] = (tally.hears[index] ?? 0) + 1;
    });
  });
  vk.updates.on('message_new', hearManager.middleware);
  await vk.updates.startPolling();
  return {
    stop: async () => {
      await vk.updates.stop();
      agent.destroy();
    },
  };
};

/** One round: starts a client, enqueues `count` events, waits until every one went through the chain. */
async function measure(
  sandbox: SandboxProcess,
  start: Start,
  count: number,
): Promise<{ rate: number; cpuUs: number; tally: Tally }> {
  const tally = newTally();
  let first = 0;
  let last = 0;
  let cpu = process.cpuUsage();
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumer = await start(sandbox, tally, () => {
    if (tally.handled === 1) {
      first = performance.now();
      cpu = process.cpuUsage();
    }
    if (tally.handled === count) {
      last = performance.now();
      cpu = process.cpuUsage(cpu);
      finish();
    }
  });
  await control(sandbox, '/bulk', { count, userIds: USERS, chats: chatIds, texts: TEXTS });
  await done;
  await consumer.stop();
  return { rate: count / ((last - first) / 1000), cpuUs: (cpu.user + cpu.system) / count, tally };
}

/** Whether a round's handlers counted what the mix holds: same semantics on both sides. */
function check(name: string, tally: Tally, count: number): void {
  const expected = expectedTally(count);
  const senders = [...tally.senders.values()].reduce((sum, value) => sum + value, 0);
  const problems = [
    JSON.stringify(tally.commands) === JSON.stringify(expected.commands) ? '' : 'commands',
    JSON.stringify(tally.hears) === JSON.stringify(expected.hears) ? '' : 'hears',
    senders === count ? '' : 'middleware',
  ].filter(Boolean);
  if (problems.length > 0)
    throw new Error(
      `${name} counted other ${problems.join(', ')} than the mix holds: ` +
        JSON.stringify({ got: { commands: tally.commands, hears: tally.hears }, expected }),
    );
}

const median = (list: readonly number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

const sandbox = await startSandboxProcess([
  '--no-rate-limit',
  '--history-size',
  String(EVENTS * 2),
  ...(VK_LIKE ? ['--vk-like'] : []),
]);
let chatIds: number[] = [];
try {
  const chatUsers = (chat: number) =>
    Array.from({ length: CHAT_MEMBERS }, (_, member) => 200_000_001 + chat * CHAT_MEMBERS + member);
  chatIds = [];
  for (let chat = 0; chat < CHATS; chat += 1)
    chatIds.push(
      (
        await control<{ chatId: number }>(sandbox, '/chats', {
          title: `chat ${chat}`,
          members: chatUsers(chat),
        })
      ).chatId,
    );
  const clients = (
    [
      ['vkwire', startVkwire],
      ['vk-io', startVkio],
    ] as const
  ).filter(([name]) => values.only === undefined || name === values.only);
  // A warm-up of each, so that neither pays for the sandbox's or its own JIT.
  const warmUp = Math.max(TEXTS.length, Math.round(EVENTS / 3));
  for (const [name, start] of clients) check(name, (await measure(sandbox, start, warmUp)).tally, warmUp);
  const rates: Record<string, number[]> = { vkwire: [], 'vk-io': [] };
  const cpus: Record<string, number[]> = { vkwire: [], 'vk-io': [] };
  for (let round = 0; round < ROUNDS; round += 1)
    for (const [name, start] of round % 2 === 0 ? clients : [...clients].reverse()) {
      const { rate, cpuUs, tally } = await measure(sandbox, start, EVENTS);
      check(name, tally, EVENTS);
      rates[name]?.push(rate);
      cpus[name]?.push(cpuUs);
    }
  const vkwire = median(rates.vkwire ?? []);
  const vkio = median(rates['vk-io'] ?? []);
  const cpuUs = (name: string) => Number(median(cpus[name] ?? []).toFixed(1));
  const figures = {
    scenario: 'bot-dispatch',
    sandbox: VK_LIKE ? 'vk-like' : 'default',
    events: EVENTS,
    conversations: { dialogs: USERS.length, chats: CHATS },
    mix: { commands: 0.6, hears: 0.2, unhandled: 0.2 },
    vkwire: {
      eventsPerSecond: Math.round(vkwire),
      rounds: (rates.vkwire ?? []).map(Math.round),
      cpuUsPerEvent: cpuUs('vkwire'),
    },
    'vk-io': {
      eventsPerSecond: Math.round(vkio),
      rounds: (rates['vk-io'] ?? []).map(Math.round),
      cpuUsPerEvent: cpuUs('vk-io'),
    },
    ratio: Number((vkwire / vkio).toFixed(2)),
    cpuRatio: Number((cpuUs('vk-io') / cpuUs('vkwire')).toFixed(2)),
  };
  console.log(JSON.stringify(figures));
  console.log(
    `bot-dispatch: vkwire ${figures.vkwire.eventsPerSecond.toLocaleString('en')} ev/s, ` +
      `vk-io + @vk-io/hear ${figures['vk-io'].eventsPerSecond.toLocaleString('en')} ev/s ` +
      `(${figures.ratio}× vk-io; by CPU per event ${figures.vkwire.cpuUsPerEvent} vs ` +
      `${figures['vk-io'].cpuUsPerEvent} µs, ${figures.cpuRatio}×; medians of ${ROUNDS} rounds, ` +
      `same counts on both sides${VK_LIKE ? ', VK-like sandbox' : ''})`,
  );
} finally {
  await sandbox.stop();
}
