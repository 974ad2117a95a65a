import { randomBytes } from 'node:crypto';
import { VkwireConfigError } from '@vkwire/core';
import {
  connectRedis,
  type RedisHandle,
  type RedisInput,
  type RedisReply,
  type RedisScript,
} from '../connection.js';
import { isRetriable, retryDelayMs } from '../retry.js';

/** Options every Redis store takes: where Redis is, and the prefix of its keys. */
export interface RedisStoreOptions {
  /**
   * A URL, `{ cluster: [urls] }`, a node-redis client of yours, or a {@link RedisHandle} from
   * `connectRedis` (so one connection serves several stores). What you pass stays yours: the
   * store's `close()` closes only a connection it opened itself (from a URL or cluster nodes).
   */
  redis: RedisInput | RedisHandle;
  /** Prefix of every key the store writes. @default 'vkwire:' */
  prefix?: string;
  /**
   * How long an operation keeps trying when Redis drops the connection under it or is still
   * loading after a restart; past it the error is thrown. Every operation is safe to send again
   * (a repeated claim, grant or write is recognised by its token). @default 10000
   */
  retryForMs?: number;
}

/** Whether `value` is a {@link RedisHandle} (from `connectRedis`) rather than a URL or a client. */
export function isRedisHandle(value: unknown): value is RedisHandle {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RedisHandle).run === 'function' &&
    typeof (value as RedisHandle).script === 'function' &&
    typeof (value as RedisHandle).blocking === 'function' &&
    typeof (value as RedisHandle).close === 'function'
  );
}

/** The store was closed: no more commands go through it. */
export class RedisStoreClosedError extends Error {
  override readonly name = 'RedisStoreClosedError';
  /** Machine-readable code. */
  readonly code = 'closed';

  /** @param component the store that was closed, e.g. `'RedisDedupeStore'` */
  constructor(readonly component: string) {
    super(`${component} is closed: create a new one to use Redis again`);
  }
}

/**
 * @internal The connection of one store: connects on first use (a constructor cannot await), and
 * closes on `close()` only what it opened.
 */
export class RedisSource {
  readonly prefix: string;
  private readonly retryForMs: number;
  private connecting: Promise<RedisHandle> | undefined;
  private closed = false;

  constructor(
    private readonly component: string,
    private readonly options: RedisStoreOptions,
  ) {
    if (typeof options !== 'object' || options === null || options.redis === undefined)
      throw new VkwireConfigError(
        component,
        'redis',
        'a redis:// URL, { cluster: [urls] }, a node-redis client or a RedisHandle',
        { got: options?.redis },
      );
    const prefix = options.prefix ?? 'vkwire:';
    if (typeof prefix !== 'string')
      throw new VkwireConfigError(component, 'prefix', 'a string', { got: prefix });
    this.prefix = prefix;
    this.retryForMs = options.retryForMs ?? 10_000;
    if (typeof this.retryForMs !== 'number' || !(this.retryForMs >= 0))
      throw new VkwireConfigError(component, 'retryForMs', 'a number of milliseconds ≥ 0', {
        got: options.retryForMs,
      });
  }

  /**
   * Runs `operation` on the connection; after a transient failure (the connection lost mid-command,
   * Redis loading its data after a restart) runs it again, until `retryForMs` has passed. The
   * operation must be safe to repeat: the first attempt may have been applied with its reply lost.
   */
  async call<T>(operation: (redis: RedisHandle) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(await this.handle());
      } catch (error) {
        if (this.closed || !isRetriable(error) || Date.now() >= deadline) throw error;
        const pause = Math.min(retryDelayMs(attempt), Math.max(0, deadline - Date.now()));
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** The connection, opened on first use. */
  handle(): Promise<RedisHandle> {
    if (this.closed) return Promise.reject(new RedisStoreClosedError(this.component));
    if (!this.connecting) {
      const input = this.options.redis;
      this.connecting = isRedisHandle(input) ? Promise.resolve(input) : connectRedis(input, this.component);
      // A failed connect is retried by the next call instead of failing every call after it.
      this.connecting.catch(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** {@link RedisHandle.run} through {@link call}: the command must be safe to repeat. */
  run(key: string, args: readonly (string | number)[]): Promise<RedisReply> {
    return this.call((redis) => redis.run(key, args));
  }

  /** {@link RedisHandle.script} through {@link call}: the script must be safe to repeat. */
  script(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<RedisReply> {
    return this.call((redis) => redis.script(script, keys, args));
  }

  /** Closes the connection if this store opened it; later calls reject with RedisStoreClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const connecting = this.connecting;
    this.connecting = undefined;
    if (!connecting) return;
    const handle = await connecting.catch(() => undefined);
    // A handle passed in is the caller's; one from connectRedis closes only what it opened (a
    // client passed in stays open).
    if (handle && !isRedisHandle(this.options.redis)) await handle.close();
  }
}

// 72 random bits drawn once per process, then a counter: unique across processes without a
// syscall per token (randomBytes on every write cost more than the write's own work).
const TOKEN_PREFIX = randomBytes(9).toString('base64url');
let tokenCounter = 0;

/** @internal A token no other claim or grant carries: a per-process random prefix and a counter. */
export function randomToken(): string {
  tokenCounter += 1;
  return `${TOKEN_PREFIX}${tokenCounter.toString(36)}`;
}

/** @internal A whole, positive number of milliseconds for PX, or a VkwireConfigError. */
export function milliseconds(component: string, option: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new VkwireConfigError(component, option, 'a positive number of milliseconds', { got: value });
  return Math.max(1, Math.ceil(value));
}

/** @internal Redis's clock in milliseconds, read inside a script (every process agrees on it). */
export const LUA_NOW =
  "local __t = redis.call('TIME'); local now = tonumber(__t[1]) * 1000 + math.floor(tonumber(__t[2]) / 1000)\n";
