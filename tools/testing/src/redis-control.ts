/**
 * Helpers for tests (they run inside vitest workers) to reach and control the Redis server that
 * `@vkwire/testing/redis-global-setup` provides.
 *
 * The server is shared by every test file of the run, and vitest runs files in parallel: tests
 * that stop, restart or flush it belong in files that do not race with other Redis tests (see the
 * README).
 */
import { inject } from 'vitest';
import {
  type ManagedRedisServer,
  REDIS_CONTEXT_KEY,
  type RedisStartOptions,
  type RedisStopOptions,
  startRedisServer,
  stopRedisServer,
  type TestRedisServer,
} from './redis-server.js';
import { pingRedis, type RespTimeoutOptions, redactRedisUrl, sendRedisCommand } from './resp.js';

/**
 * The Redis server of this test run. Throws when the vitest config does not register the
 * globalSetup, which would otherwise show up as a confusing `undefined` URL.
 */
export function redisServer(): TestRedisServer {
  const server = inject(REDIS_CONTEXT_KEY) as TestRedisServer | undefined;
  if (server === undefined) {
    throw new Error(
      'no Redis server provided: add the globalSetup to vitest.config.ts, ' +
        "packageTestConfig({ globalSetup: ['../../tools/testing/src/redis-global-setup.ts'] })",
    );
  }
  return server;
}

/** The URL of this run's Redis server, such as `redis://127.0.0.1:40123`. */
export function redisUrl(): string {
  return redisServer().url;
}

/**
 * Whether this package started the server, so that {@link stopRedis}, {@link startRedis} and
 * {@link restartRedis} work. False under `REDIS_URL`; tests that need them use
 * `test.skipIf(!redisIsManaged())`.
 */
export function redisIsManaged(): boolean {
  return redisServer().managed;
}

/** The managed server, or a clear error naming the helper that needs it. */
function managedServer(helper: string): ManagedRedisServer {
  const server = redisServer();
  if (!server.managed) {
    throw new Error(
      `${helper}() needs the private redis-server of @vkwire/testing, but REDIS_URL=` +
        `${redactRedisUrl(server.url)} names an external server, which tests must not stop; ` +
        'skip this test with test.skipIf(!redisIsManaged())',
    );
  }
  return server;
}

/**
 * Stops the server. Resolves once the process has exited and the port refuses connections, so
 * clients see a real outage. Does nothing if it is already stopped.
 */
export async function stopRedis(options: RedisStopOptions = {}): Promise<void> {
  await stopRedisServer(managedServer('stopRedis'), options);
}

/**
 * Starts the server again on the same port with the same options, and without data. Resolves
 * once it answers PING. Does nothing but that wait if it already runs, so `afterEach(() =>
 * startRedis())` safely undoes a test that stopped it.
 */
export async function startRedis(options: RedisStartOptions = {}): Promise<void> {
  await startRedisServer(managedServer('startRedis'), options);
}

/** Options for {@link restartRedis}. */
export interface RestartRedisOptions extends RedisStartOptions {
  /** How long the server stays down between stop and start, in milliseconds. @default 0 */
  downMs?: number;
}

/**
 * Stops the server, keeps it down for `downMs`, and starts it again: the same URL, no data.
 * Resolves once it answers PING.
 */
export async function restartRedis(options: RestartRedisOptions = {}): Promise<void> {
  const server = managedServer('restartRedis');
  await stopRedisServer(server);
  // The outage length is the point of downMs: a timer is what a test asks for here.
  if (options.downMs !== undefined && options.downMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, options.downMs));
  }
  await startRedisServer(server, options);
}

/** Deletes every key in every database (FLUSHALL), for a clean slate between tests. */
export async function flushRedis(options: RespTimeoutOptions = {}): Promise<void> {
  await sendRedisCommand(redisUrl(), ['FLUSHALL'], options);
}

/** Whether the server answers PING right now; never throws. */
export function redisAnswersPing(options: RespTimeoutOptions = {}): Promise<boolean> {
  return pingRedis(redisUrl(), options);
}
