/**
 * vitest globalSetup that gives a test run a Redis server: the one in `REDIS_URL` if set,
 * otherwise a private `redis-server` on a free loopback port that lives exactly as long as the
 * run. Tests read it with the helpers of `@vkwire/testing` (`redisUrl()`, `restartRedis()`, ...).
 *
 * ```ts
 * // vitest.config.ts
 * export default packageTestConfig({ globalSetup: ['../../tools/testing/src/redis-global-setup.ts'] });
 * ```
 */
import type { TestProject } from 'vitest/node';
import {
  destroyManagedRedis,
  type ExternalRedisServer,
  killManagedRedisSync,
  launchManagedRedis,
  REDIS_CONTEXT_KEY,
  type RedisPersistence,
} from './redis-server.js';
import { parseRedisUrl, redactRedisUrl, sendRedisCommand } from './resp.js';

// The ProvidedContext augmentation lives in redis-server.ts; re-exporting its types keeps it in
// the program of anyone who imports this file.
export type { ExternalRedisServer, ManagedRedisServer, TestRedisServer } from './redis-server.js';

/** Options of {@link redisGlobalSetup}. */
export interface RedisGlobalSetupOptions {
  /** What the private server keeps across a restart (ignored under `REDIS_URL`). @default 'none' */
  persistence?: RedisPersistence;
}

/**
 * Starts (or, with `REDIS_URL`, checks) the run's Redis server, provides it to tests under
 * `vkwireRedis`, and returns the teardown that stops the server and removes its directory.
 */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return redisGlobalSetup()(project);
}

/**
 * A globalSetup like the default one, with options: `redis-global-setup-aof.ts` is
 * `redisGlobalSetup({ persistence: 'aof-always' })`.
 */
export function redisGlobalSetup(
  options: RedisGlobalSetupOptions = {},
): (project: TestProject) => Promise<() => Promise<void>> {
  return (project) => launch(project, options);
}

async function launch(project: TestProject, options: RedisGlobalSetupOptions): Promise<() => Promise<void>> {
  const externalUrl = process.env.REDIS_URL;
  if (externalUrl !== undefined && externalUrl !== '') {
    // Fail the run once, up front, rather than every Redis test with a connection error.
    const target = parseRedisUrl(externalUrl);
    const reply = await sendRedisCommand(target, ['PING'], { timeoutMs: 5_000 }).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    );
    if (reply !== 'PONG') {
      // Redis's error replies (WRONGPASS, NOAUTH) and connection errors never contain the password.
      const why = reply instanceof Error ? reply.message : `it replied ${JSON.stringify(reply)}`;
      throw new Error(`REDIS_URL=${redactRedisUrl(externalUrl)} does not answer PING: ${why}`);
    }
    const server: ExternalRedisServer = { managed: false, url: externalUrl };
    project.provide(REDIS_CONTEXT_KEY, server);
    // Not ours to stop.
    return async () => undefined;
  }

  const server = await launchManagedRedis({ persistence: options.persistence ?? 'none' });
  // vitest exits on SIGINT/SIGTERM without running teardowns; the daemon must not outlive it.
  const onExit = (): void => killManagedRedisSync(server);
  process.once('exit', onExit);
  project.provide(REDIS_CONTEXT_KEY, server);
  return async () => {
    process.off('exit', onExit);
    await destroyManagedRedis(server);
  };
}
