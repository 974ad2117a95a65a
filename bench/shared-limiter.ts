/**
 * One rate limit shared by several processes: 2 processes × 2500 `messages.send` on one community
 * token, each process with its own VkApi and a RedisRateLimiter on the same Redis, against the
 * sandbox (its own process) enforcing VK's 20 requests/s. Goal: ≥ 480 calls/s combined (VkApi
 * packs waiting calls into `execute`, 25 a request), 0 error 6. Baseline in the same run: one
 * process sending all 5000 through the in-memory limiter.
 *
 * Needs a Redis: REDIS_URL, or a private `redis-server` started for the run.
 *
 *   pnpm --filter @vkwire/bench shared-limiter [--calls 2500] [--processes 2]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MemoryRateLimiter, type RateLimiter, VkApi } from '@vkwire/api-client';
import { RedisRateLimiter } from '@vkwire/redis-bridge';
import { destroyManagedRedis, launchManagedRedis } from '@vkwire/testing';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '2500' },
    processes: { type: 'string', default: '2' },
    worker: { type: 'string' },
    sandbox: { type: 'string' },
    redis: { type: 'string' },
  },
});
const CALLS = Number(values.calls);
const PROCESSES = Number(values.processes);
const USERS = 100;

interface WorkerFigures {
  calls: number;
  failed: number;
  ok: number;
}

/** A worker process: warms up, says `ready`, sends its share on `go`, prints its figures. */
async function worker(kind: 'redis' | 'memory', sandbox: SandboxProcess, redis: string, name: string) {
  const limiter: RateLimiter & { close?(): Promise<void> } =
    kind === 'redis' ? new RedisRateLimiter({ redis }) : new MemoryRateLimiter();
  const api = new VkApi({ token: sandbox.token, baseUrl: sandbox.apiUrl, rateLimiter: limiter });
  await api.tokenInfo();
  console.log('ready');
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once('line', () => resolve()),
  );
  const outcomes = await Promise.allSettled(
    Array.from({ length: CALLS }, (_, index) =>
      api.messages.send({ peer_id: (index % USERS) + 1, message: `${name} #${index}` }),
    ),
  );
  const failed = outcomes.filter((outcome) => outcome.status === 'rejected').length;
  await api.close();
  await limiter.close?.();
  const figures: WorkerFigures = { calls: CALLS, failed, ok: CALLS - failed };
  console.log(JSON.stringify(figures));
}

interface RunningWorker {
  ready: Promise<void>;
  go(): void;
  figures: Promise<WorkerFigures>;
}

function startWorker(
  kind: 'redis' | 'memory',
  sandbox: SandboxProcess,
  redis: string,
  name: string,
  calls: number,
) {
  const tsx = fileURLToPath(new URL('./node_modules/.bin/tsx', import.meta.url));
  const child = spawn(
    tsx,
    [
      '--conditions=@vkwire/source',
      fileURLToPath(import.meta.url),
      '--worker',
      `${kind}:${name}`,
      '--calls',
      String(calls),
      '--sandbox',
      JSON.stringify(sandbox),
      '--redis',
      redis,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  let last = '';
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
      last = line;
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready`)));
  });
  const figures = new Promise<WorkerFigures>((resolve, reject) =>
    child.once('exit', () => {
      try {
        resolve(JSON.parse(last) as WorkerFigures);
      } catch {
        reject(new Error(`worker ${name} printed no figures (last line: ${last.slice(0, 200)})`));
      }
    }),
  );
  return { ready, go: () => child.stdin.end('go\n'), figures } satisfies RunningWorker;
}

async function rateLimited(sandbox: SandboxProcess): Promise<number> {
  return ((await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { rateLimited: number })
    .rateLimited;
}

async function sentTexts(sandbox: SandboxProcess): Promise<string[]> {
  return ((await (await fetch(`${sandbox.url}/_sandbox/sent`)).json()) as Array<{ text: string }>).map(
    (message) => message.text,
  );
}

/** Runs `processes` workers of one kind at once and measures them together. */
async function run(
  kind: 'redis' | 'memory',
  processes: number,
  calls: number,
  sandbox: SandboxProcess,
  redis: string,
) {
  const tag = `${kind}-${Date.now()}`;
  const workers = Array.from({ length: processes }, (_, index) =>
    startWorker(kind, sandbox, redis, `${tag}-p${index}`, calls),
  );
  await Promise.all(workers.map((running) => running.ready));
  // A fresh rate-limit window: the warm-up calls must not count against the run.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const sentBefore = (await sentTexts(sandbox)).length;
  const limitedBefore = await rateLimited(sandbox);
  const started = performance.now();
  for (const running of workers) running.go();
  const figures = await Promise.all(workers.map((running) => running.figures));
  const seconds = (performance.now() - started) / 1000;
  const arrived = (await sentTexts(sandbox)).slice(sentBefore).filter((text) => text.startsWith(tag));
  const total = processes * calls;
  return {
    limiter: kind,
    processes,
    calls: total,
    seconds: Number(seconds.toFixed(2)),
    callsPerSecond: Math.round(total / seconds),
    failedCalls: figures.reduce((sum, figure) => sum + figure.failed, 0),
    distinctArrived: new Set(arrived).size,
    error6: (await rateLimited(sandbox)) - limitedBefore,
  };
}

if (values.worker && values.sandbox && values.redis) {
  const [kind, name] = values.worker.split(':') as ['redis' | 'memory', string];
  await worker(
    kind,
    { ...(JSON.parse(values.sandbox) as SandboxProcess), stop: async () => {} },
    values.redis,
    name,
  );
} else {
  const managed = process.env.REDIS_URL ? undefined : await launchManagedRedis();
  const redis = process.env.REDIS_URL ?? (managed?.url as string);
  const sandbox = await startSandboxProcess();
  try {
    // Users write first, so that the community may answer them.
    for (let user = 1; user <= USERS; user += 1)
      await control(sandbox, `/users/${user}/send`, { text: 'hi' });
    const shared = await run('redis', PROCESSES, CALLS, sandbox, redis);
    const memory = await run('memory', 1, CALLS * PROCESSES, sandbox, redis);
    console.log(JSON.stringify({ scenario: 'shared-limiter', ...shared }));
    console.log(JSON.stringify({ scenario: 'shared-limiter-baseline', ...memory }));
    console.log(
      `shared-limiter: ${PROCESSES} processes × ${CALLS} messages.send through one RedisRateLimiter: ` +
        `${shared.callsPerSecond} calls/s combined, ${shared.error6} error-6, ${shared.distinctArrived}/${shared.calls} arrived, ${shared.failedCalls} failed ` +
        `(goal ≥ 480 calls/s, 0 error 6: ${shared.callsPerSecond >= 480 && shared.error6 === 0 ? 'met' : 'NOT met'}); ` +
        `one process with MemoryRateLimiter: ${memory.callsPerSecond} calls/s, ${memory.error6} error-6 ` +
        `(ratio ${(shared.callsPerSecond / memory.callsPerSecond).toFixed(2)}×)`,
    );
  } finally {
    await sandbox.stop();
    if (managed) await destroyManagedRedis(managed);
  }
}
