import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { sleep, VkwireConfigError } from '@vkwire/core';
import { AbortError } from 'redis';
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
   * (a repeated claim, grant or write is recognised by its token). An operation that could not even
   * be sent so long (at least 1 s: Redis unreachable, or not yet connected) is dropped and fails
   * with {@link RedisUnavailableError}; it is not sent later. @default 10000
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
 * Redis could not be reached for the store's `retryForMs` (at least 1 s): the operation was never
 * sent, and will not be sent later, so it is safe to try again.
 *
 * @example
 * bot.catch((error) => { if (error instanceof RedisUnavailableError) log.warn(error.message); });
 */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
  /** Machine-readable code. */
  readonly code = 'unavailable';

  /**
   * @param component the store, e.g. `'RedisStorage'`
   * @param waitedMs how long it waited for Redis
   */
  constructor(
    readonly component: string,
    readonly waitedMs: number,
  ) {
    super(
      `${component}: Redis did not take the command within ${waitedMs} ms (unreachable, or restarting); it was not sent — check that Redis is up, or raise retryForMs`,
    );
  }
}

/** The least time a command may wait to be sent, whatever `retryForMs` (it is queued for a moment even on a live connection). */
const MIN_SEND_WAIT_MS = 1_000;
/** Calls started within this many ms share one abort signal (and its timer): nothing to make per call. */
const SEND_WINDOW_MS = 100;

/**
 * @internal The connection of one store: connects on first use (a constructor cannot await), and
 * closes on `close()` only what it opened.
 */
export class RedisSource {
  readonly prefix: string;
  private readonly retryForMs: number;
  private connecting: Promise<RedisHandle> | undefined;
  /** The connection once it is open (no promise to wait on then). */
  private ready: RedisHandle | undefined;
  /** The abort signal of the calls started in the current send window, and when the window ends. */
  private window: { readonly signal: AbortSignal; readonly until: number } | undefined;
  /**
   * The windows still open, each with its timer: `close()` clears the timers (none fires after it)
   * and aborts the windows, so what still waits to be sent leaves node-redis's queue at once.
   */
  private readonly windows = new Map<NodeJS.Timeout, AbortController>();
  private closed = false;
  /** Aborted by `close()`: a connect still trying gives up (its client is destroyed). */
  private readonly closing = new AbortController();

  /**
   * What `JSON.stringify` shows of a store's connection: its key prefix, never the Redis URL or
   * client it was given (a URL may hold a password, a client holds its options).
   */
  toJSON(): { prefix: string } {
    return { prefix: this.prefix };
  }

  /** What Node's `inspect` (`console.log`) shows: the same as {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RedisSource { prefix: ${JSON.stringify(this.prefix)} }`;
  }

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
  async call<T>(operation: (redis: RedisHandle, signal: AbortSignal) => Promise<T>): Promise<T> {
    const started = Date.now();
    const deadline = started + this.retryForMs;
    // node-redis keeps a command while it (re)connects, for as long as that takes: past the wait a
    // command not sent yet is dropped (never sent later), and the call fails with a typed error.
    const signal = this.sendSignal(started);
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation(this.ready ?? (await this.connected(signal)), signal);
      } catch (error) {
        // A call still waiting when close() came fails as closed, whatever node-redis made of it.
        if (this.closed) throw new RedisStoreClosedError(this.component);
        if (error instanceof AbortError)
          throw new RedisUnavailableError(this.component, Date.now() - started);
        if (!isRetriable(error) || Date.now() >= deadline) throw error;
        const pause = Math.min(retryDelayMs(attempt), Math.max(0, deadline - Date.now()));
        if (pause > 0) await sleep(pause, this.closing.signal);
        if (this.closed) throw new RedisStoreClosedError(this.component);
      }
    }
  }

  /**
   * The signal that drops the commands of calls started at `now` still unsent after the send
   * wait (`retryForMs`, at least 1 s): one per {@link SEND_WINDOW_MS} window, shared by its calls.
   */
  private sendSignal(now: number): AbortSignal {
    const window = this.window;
    if (window !== undefined && now < window.until) return window.signal;
    const controller = new AbortController();
    // Every command of the window listens to it (until it is sent): not a leak.
    setMaxListeners(0, controller.signal);
    // Counted from the window's end: no call waits less than the send wait.
    const timer = setTimeout(() => {
      this.windows.delete(timer);
      controller.abort();
    }, Math.max(this.retryForMs, MIN_SEND_WAIT_MS) + SEND_WINDOW_MS);
    timer.unref();
    this.windows.set(timer, controller);
    this.window = { signal: controller.signal, until: now + SEND_WINDOW_MS };
    return controller.signal;
  }

  /** The connection, or an AbortError when `signal` aborts before it is open. */
  private connected(signal: AbortSignal): Promise<RedisHandle> {
    const connecting = this.handle();
    return new Promise<RedisHandle>((resolve, reject) => {
      const abort = (): void => reject(new AbortError());
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      connecting.then(
        (redis) => {
          signal.removeEventListener('abort', abort);
          resolve(redis);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', abort);
          reject(error);
        },
      );
    });
  }

  /** The connection, opened on first use. */
  handle(): Promise<RedisHandle> {
    if (this.closed) return Promise.reject(new RedisStoreClosedError(this.component));
    if (!this.connecting) {
      const input = this.options.redis;
      const connecting = isRedisHandle(input)
        ? Promise.resolve(input)
        : connectRedis(input, this.component, this.closing.signal);
      this.connecting = connecting;
      connecting.then(
        (redis) => {
          if (!this.closed && this.connecting === connecting) this.ready = redis;
        },
        // A failed connect is retried by the next call instead of failing every call after it.
        () => {
          if (this.connecting === connecting) this.connecting = undefined;
        },
      );
    }
    return this.connecting;
  }

  /** {@link RedisHandle.run} through {@link call}: the command must be safe to repeat. */
  run(key: string, args: readonly (string | number)[]): Promise<RedisReply> {
    return this.call((redis, signal) => redis.run(key, args, signal));
  }

  /** {@link RedisHandle.script} through {@link call}: the script must be safe to repeat. */
  script(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<RedisReply> {
    return this.call((redis, signal) => redis.script(script, keys, args, signal));
  }

  /** Closes the connection if this store opened it; later calls reject with RedisStoreClosedError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [timer, controller] of this.windows) {
      clearTimeout(timer);
      controller.abort();
    }
    this.windows.clear();
    this.window = undefined;
    const connecting = this.connecting;
    this.connecting = undefined;
    this.ready = undefined;
    this.closing.abort();
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
