// The pipeline's private Redis when no REDIS_URL is given: a `redis-server` child on a free port.
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { type ChildExit, describeExit, type PipelineChild, startChild } from './child.js';
import { accepts, freePort } from './net.js';

/** A private `redis-server` the pipeline owns: stop it with `child.stop()`. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly child: PipelineChild;
}

/** `redis-server` is not installed (not on `PATH`). */
export class RedisServerMissingError extends Error {
  override readonly name = 'RedisServerMissingError';
  readonly code = 'redis_server_missing';
}

/**
 * Starts `redis-server` on a free loopback port, keeping nothing on disk (no RDB saves, no AOF),
 * and resolves once it accepts connections. Its log (warnings and up) is prefixed `[redis] `.
 * Throws {@link RedisServerMissingError} when it is not installed, an `Error` with its exit when it
 * does not come up within `timeoutMs`.
 */
export async function startPrivateRedis(timeoutMs = 10_000): Promise<PrivateRedis> {
  const port = await freePort();
  const child = startChild({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      tmpdir(),
      '--loglevel',
      'warning',
    ],
    env: { PATH: process.env.PATH ?? '' },
  });
  let exit: ChildExit | undefined;
  void child.exited.then((value) => {
    exit = value;
  });
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (exit?.error !== undefined && (exit.error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new RedisServerMissingError('redis-server is not installed');
    if (exit !== undefined) throw new Error(`redis-server ${describeExit(exit)} before it answered`);
    if (Date.now() > deadline) {
      await child.stop(5_000);
      throw new Error(`redis-server did not accept connections on port ${port} within ${timeoutMs} ms`);
    }
    await delay(20);
  }
  return { url: `redis://127.0.0.1:${port}`, child };
}
