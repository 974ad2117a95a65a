// `pnpm start:pipeline`: the example bot scaled out, offline. An embedded sandbox with its chat page,
// Redis (REDIS_URL, or a private redis-server), apps/fetcher reading the sandbox's Long Poll onto the
// Redis bus, and two bot workers (worker.ts) consuming it. Ctrl+C stops them all, Redis last.
import { fileURLToPath } from 'node:url';
import { errorText } from '@vkwire/core';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { fail, listenProblem, loadSettingsOrExit } from './entry.js';
import { describeExit, type PipelineChild, startChild } from './pipeline/child.js';
import { freePort } from './pipeline/net.js';
import { type PrivateRedis, RedisServerMissingError, startPrivateRedis } from './pipeline/redis-server.js';

/** How many bot workers consume the bus. */
const WORKERS = 2;
/** How long a child may take to get ready (node compiles on a busy machine), in ms. */
const READY_WITHIN_MS = 120_000;
/** How long a worker or the fetcher may take to stop (the fetcher promises 10 s), in ms. */
const STOP_WITHIN_MS = 15_000;

// The children run as this process runs: from dist with node, or from the sources with the same
// loader and conditions (the tests).
const WORKER = fileURLToPath(
  new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
);
const FETCHER = fileURLToPath(import.meta.resolve('@vkwire/fetcher/main'));

const settings = loadSettingsOrExit();
if (settings.VK_TOKEN !== undefined)
  fail(
    'the pipeline runs offline on its embedded sandbox: unset VK_TOKEN (on VK, run apps/fetcher and workers)',
    2,
  );

let redis: PrivateRedis | undefined;
let vk: Sandbox | undefined;
/** The fetcher and the workers (Redis is stopped after them, so it is kept apart). */
const bots: PipelineChild[] = [];
/** Children that ended on their own (reported once, when they ended). */
const crashed = new Set<PipelineChild>();
let stopping: Promise<void> | undefined;

/** Stops the fetcher and the workers, then Redis (if ours), then the sandbox; false if one did not stop cleanly. */
const shutdown = async (): Promise<boolean> => {
  let clean = true;
  const exits = await Promise.all(
    bots.map(async (child) => ({ child, exit: await child.stop(STOP_WITHIN_MS) })),
  );
  for (const { child, exit } of exits) {
    if (exit.killed)
      process.stderr.write(`example-bot: ${child.name} did not stop within ${STOP_WITHIN_MS} ms; killed\n`);
    else if (exit.code !== 0 && !crashed.has(child))
      process.stderr.write(`example-bot: ${child.name} ${describeExit(exit)} while stopping\n`);
    if (exit.killed || exit.code !== 0) clean = false;
  }
  if (redis !== undefined) await redis.child.stop(5_000);
  await vk?.close();
  return clean;
};

/** Stops everything once, then exits with `code` (1 when something did not stop cleanly). */
const stopAll = (code: number, line?: string): void => {
  if (stopping !== undefined) return;
  if (line !== undefined) process.stderr.write(`example-bot: ${line}\n`);
  stopping = shutdown().then(
    (clean) => process.exit(clean ? code : Math.max(code, 1)),
    (error: unknown) => fail(`stopping failed: ${errorText(error)}`),
  );
};

const children = (): PipelineChild[] => (redis === undefined ? bots : [...bots, redis.child]);

/** A child that ends while nothing asked it to stops the whole pipeline with exit code 1. */
const watch = (child: PipelineChild): void => {
  void child.exited.then((exit) => {
    if (stopping !== undefined) return;
    crashed.add(child);
    stopAll(1, `${child.name} ${describeExit(exit)}; stopping the pipeline`);
  });
};

const onSignal = (): void => {
  if (stopping === undefined) {
    stopAll(0);
    return;
  }
  for (const child of children()) child.process.kill('SIGKILL');
  fail('stopped without waiting for the processes (a second signal)', 130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Whatever ends this process, no child outlives it.
process.on('exit', () => {
  for (const child of children()) if (child.process.exitCode === null) child.process.kill('SIGKILL');
});

/** Resolves once the fetcher's /readyz answers 200 (it polls the sandbox and Redis answers). */
const fetcherReady = async (port: number): Promise<void> => {
  while (stopping === undefined) {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

try {
  let redisUrl = settings.REDIS_URL;
  if (redisUrl === undefined) {
    redis = await startPrivateRedis();
    watch(redis.child);
    redisUrl = redis.url;
  }
  vk = await createSandbox({ port: settings.PORT, chat: true });
  const env = {
    PATH: process.env.PATH ?? '',
    VK_TOKEN: vk.group.token,
    VK_API_URL: vk.apiUrl,
    REDIS_URL: redisUrl,
  };
  const node = (name: string, file: string, args: string[], extra: Record<string, string>, ipc = false) => {
    const child = startChild({
      name,
      command: process.execPath,
      args: [...process.execArgv, file, ...args],
      env: { ...env, ...extra },
      ipc,
    });
    bots.push(child);
    watch(child);
    return child;
  };
  const ready: Promise<void>[] = [];
  for (let index = 1; index <= WORKERS; index++) {
    const worker = node(`worker ${index}`, WORKER, [String(index)], {}, true);
    ready.push(new Promise((resolve) => worker.process.once('message', () => resolve())));
  }
  const httpPort = await freePort();
  node('fetcher', FETCHER, [], { HTTP_PORT: String(httpPort), LOG_LEVEL: 'info' });
  ready.push(fetcherReady(httpPort));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), READY_WITHIN_MS);
  });
  const outcome = await Promise.race([Promise.all(ready), late]);
  clearTimeout(timer);
  if (outcome === 'late')
    stopAll(1, `the fetcher and the workers were not ready within ${READY_WITHIN_MS} ms`);
  else if (stopping === undefined)
    process.stdout.write(
      `example-bot: pipeline on an embedded sandbox: Redis (${redis === undefined ? 'REDIS_URL' : `private, ${redis.url}`}), the fetcher, ${WORKERS} workers. Open ${vk.chatUrl ?? vk.url}\n`,
    );
} catch (error) {
  if (error instanceof RedisServerMissingError)
    fail('no Redis: set REDIS_URL=redis://… or install redis-server (the pipeline starts a private one)', 2);
  stopAll(1, listenProblem(error, settings.PORT) ?? errorText(error));
}
