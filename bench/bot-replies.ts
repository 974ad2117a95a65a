/**
 * Bot replies under VK's rate limit: 5000 users send `/ping` at once and the bot answers `pong`,
 * the sandbox (its own process) enforcing its default 20 requests/s per community token.
 * vkwire's `bot.command('ping', () => 'pong')` (api-client packs waiting calls into `execute`) vs
 * vk-io with @vk-io/hear (`apiMode: 'parallel_selected'`: messages.send packed into `execute`, 25
 * a request; `apiLimit: 20`; its default `apiRequestMode` and `burst`), one after the other in the
 * same run, each with its own 5000 users. Rate = replies / time from the first to the last reply the sandbox stored; every user must be
 * answered exactly once.
 *
 *   pnpm --filter @vkwire/bench bot-replies [--users 5000]
 */
import http from 'node:http';
import type https from 'node:https';
import { parseArgs } from 'node:util';
import { HearManager } from '@vk-io/hear';
import { Bot } from '@vkwire/bot-framework';
import { type MessageContext, VK } from 'vk-io';
import type { Consumer } from './lib/clients.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '5000' } } });
const USERS = Number(values.users);
const TIMEOUT_MS = 60_000 + USERS * 20;

interface SentMessage {
  peerId: number;
  text: string;
  at: number;
}

/** Starts a client; `settled` is called once per `/ping` whose reply call finished (or failed). */
type Start = (sandbox: SandboxProcess, settled: (ok: boolean) => void) => Promise<Consumer>;

const startVkwire: Start = async (sandbox, settled) => {
  const bot = new Bot({
    token: sandbox.token,
    baseUrl: sandbox.apiUrl,
    longPoll: { wait: 25 },
    logger: {
      debug: () => {},
      info: () => {},
      warn: (fields, message) => console.error('vkwire warn:', message, fields),
      error: (fields, message) => console.error('vkwire error:', message, fields),
    },
  });
  // Outermost, so it sees each update after the command's reply went out.
  bot.use(async (_ctx, next) => {
    let ok = false;
    try {
      await next();
      ok = true;
    } finally {
      settled(ok);
    }
  });
  bot.command('ping', () => 'pong');
  await bot.start();
  return { stop: async () => void (await bot.stop()) };
};

/**
 * vk-io with `apiRequestMode` 'sequential' (its default: one request every 1000 / apiLimit ms) or
 * 'burst' (apiLimit requests at once each second; documented as "may cause network errors").
 */
const startVkio =
  (apiRequestMode: 'sequential' | 'burst'): Start =>
  async (sandbox, settled) => {
    const agent = new http.Agent({ keepAlive: true });
    const vk = new VK({
      token: sandbox.token,
      apiBaseUrl: sandbox.apiUrl,
      pollingGroupId: sandbox.groupId,
      apiMode: 'parallel_selected',
      apiLimit: 20,
      apiRequestMode,
      // vk-io types the agent as https.Agent but needs an http one for a plain-http URL.
      agent: agent as unknown as https.Agent,
    });
    const hearManager = new HearManager<MessageContext>();
    // The command as vkwire reads it: the prefix, the name in any case, then the end or a space.
    hearManager.hear(/^\/ping(?:\s|$)/i, async (context) => {
      let ok = false;
      try {
        await context.send('pong');
        ok = true;
      } finally {
        settled(ok);
      }
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

async function rateLimited(sandbox: SandboxProcess): Promise<number> {
  return ((await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { rateLimited: number })
    .rateLimited;
}

/** Runs one client over its own users; returns what the sandbox stored for them. */
async function run(sandbox: SandboxProcess, name: string, start: Start, firstUser: number) {
  const userIds = Array.from({ length: USERS }, (_, index) => firstUser + index);
  const limitedBefore = await rateLimited(sandbox);
  let settledCount = 0;
  let failed = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumer = await start(sandbox, (ok) => {
    settledCount += 1;
    if (!ok) failed += 1;
    if (settledCount === USERS) finish();
  });
  const started = performance.now();
  await control(sandbox, '/bulk', { count: USERS, userIds, texts: ['/ping'] });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    done.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  const sent = ((await (await fetch(`${sandbox.url}/_sandbox/sent`)).json()) as SentMessage[]).filter(
    (message) => message.peerId >= firstUser && message.peerId < firstUser + USERS,
  );
  const perUser = new Map<number, number>();
  for (const message of sent)
    if (message.text === 'pong') perUser.set(message.peerId, (perUser.get(message.peerId) ?? 0) + 1);
  const times = sent.map((message) => message.at);
  const span = (Math.max(...times) - Math.min(...times)) / 1000;
  return {
    client: name,
    users: USERS,
    repliesPerSecond: Math.round(sent.length / span),
    firstToLastReplySeconds: Number(span.toFixed(2)),
    // From the bulk enqueue to the last reply settled in the client: what the last user waited.
    usersPerSecond: Math.round(USERS / seconds),
    bulkToLastSettledSeconds: Number(seconds.toFixed(2)),
    replies: sent.length,
    answeredOnce: userIds.filter((id) => perUser.get(id) === 1).length,
    unanswered: userIds.filter((id) => !perUser.has(id)).length,
    answeredMoreThanOnce: userIds.filter((id) => (perUser.get(id) ?? 0) > 1).length,
    failedCalls: failed,
    error6: (await rateLimited(sandbox)) - limitedBefore,
    timedOut,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The sandbox's default rate limit: 20 requests/s per community token (3 per user token).
const sandbox = await startSandboxProcess();
try {
  const results = [];
  for (const [name, start, firstUser] of [
    ['vkwire', startVkwire, 300_000_001],
    ['vk-io', startVkio('sequential'), 400_000_001],
    ['vk-io (apiRequestMode burst)', startVkio('burst'), 500_000_001],
  ] as const) {
    await pause(1500); // a fresh rate-limit window for each client (same token)
    results.push(await run(sandbox, name, start, firstUser));
  }
  const [ours, theirs] = results;
  console.log(
    JSON.stringify({
      scenario: 'bot-replies',
      rateLimit: 20,
      vkio: { apiMode: 'parallel_selected', apiLimit: 20 },
      results,
      ratio: Number(((ours?.repliesPerSecond ?? 0) / (theirs?.repliesPerSecond ?? 1)).toFixed(2)),
    }),
  );
  console.log(
    results
      .map(
        (result) =>
          `${result.client}: ${result.repliesPerSecond} replies/s (${result.usersPerSecond} users/s from enqueue), ` +
          `${result.answeredOnce}/${USERS} answered once ` +
          `(${result.unanswered} unanswered, ${result.answeredMoreThanOnce} twice or more, ${result.error6} error-6)`,
      )
      .join('; '),
  );
} finally {
  await sandbox.stop();
}
