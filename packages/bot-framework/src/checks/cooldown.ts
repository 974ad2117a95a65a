import { type KeyValueStore, VkwireConfigError } from '@vkwire/core';
import { parseDuration } from '../args/duration.js';
import type { BaseContext } from '../context.js';
import { type Bucket, bucketKeyOf } from './bucket.js';
import { type CooldownStore, keyValueCooldownStore, MemoryCooldownStore } from './cooldown-store.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';

/** Options of {@link cooldown}. */
export interface CooldownOptions<C extends BaseContext = BaseContext> {
  /** Calls allowed per window in one bucket. @default 1 */
  limit?: number;
  /** The window: milliseconds or a duration (`'10s'`, `'1m30s'`, `'1h'`). */
  per: number | string;
  /** What the limit counts per. @default 'user' */
  bucket?: Bucket<C>;
  /**
   * Answers a call over the limit instead of throwing a `CheckFailure`: the rest of the chain does
   * not run, and a string it returns is sent as a reply (like a handler's).
   */
  onCooldown?: (ctx: C, retryAfterMs: number) => unknown;
  /**
   * Where the recent calls are kept: a `CooldownStore`, or any `KeyValueStore` (shared between
   * processes when it is Redis). @default a `MemoryCooldownStore` of this cooldown
   */
  store?: CooldownStore | KeyValueStore;
  /**
   * This cooldown's name in the store: give one when the store is shared between processes, so
   * every process means the same cooldown by it. @default 'cooldown-<n>' (n counts cooldowns created in this process)
   */
  id?: string;
  /** What the failure says. @default 'too many calls: try again in 8 s' */
  message?: string | ((retryAfterMs: number) => string);
}

/** A cooldown check, with a way to clear a bucket. */
export type Cooldown<C extends BaseContext = BaseContext> = Check<C> & {
  /** This cooldown's name in its store. */
  readonly id: string;
  /**
   * Forgets the calls of a bucket: the bucket of a context, or a bucket key (see {@link Bucket}:
   * for `bucket: 'user'` the user id as a string).
   *
   * @example
   * bot.command('uncool', { args: { user: arg.user() } }, async (ctx) => { await roll.reset(String(ctx.args.user.id)); return 'done'; });
   */
  reset(target: C | string): Promise<void>;
};

let created = 0;

/**
 * Lets at most `limit` calls through per window (`per`) in each bucket (per user by default). The
 * window slides: a call passes when fewer than `limit` calls passed in the `per` just before it,
 * and `retryAfterMs` is when the oldest of them leaves the window. Only calls that pass are
 * counted; put the cooldown after the other checks of a command so that refused calls (wrong chat,
 * no rights) do not use it up.
 *
 * Over the limit it throws a `CheckFailure` (`check: 'cooldown'`, with `retryAfterMs`), which goes
 * to the error handlers; with `onCooldown` it answers the call itself instead.
 *
 * @example
 * const roll = cooldown({ limit: 3, per: '1m', bucket: 'user_in_chat', onCooldown: (_ctx, ms) => `Wait ${Math.ceil(ms / 1000)} s` });
 * bot.command('roll', { checks: [roll] }, () => String(1 + Math.floor(Math.random() * 6)));
 */
export function cooldown<C extends BaseContext = BaseContext>(options: CooldownOptions<C>): Cooldown<C> {
  const limit = options.limit ?? 1;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new VkwireConfigError('cooldown', 'limit', 'a positive integer', { got: options.limit });
  const windowMs = typeof options.per === 'string' ? parseDuration(options.per) : options.per;
  if (windowMs === undefined || !Number.isFinite(windowMs) || windowMs <= 0)
    throw new VkwireConfigError(
      'cooldown',
      'per',
      "a positive number of milliseconds or a duration such as '10s'",
      {
        got: options.per,
      },
    );
  const keyOf = bucketKeyOf<C>('cooldown', options.bucket ?? 'user');
  const given = options.store;
  const store: CooldownStore =
    given === undefined ? new MemoryCooldownStore() : 'take' in given ? given : keyValueCooldownStore(given);
  created += 1;
  const id = options.id ?? `cooldown-${created}`;
  const { onCooldown, message } = options;
  const reasonFor = (retryAfterMs: number): string =>
    typeof message === 'function'
      ? message(retryAfterMs)
      : (message ?? `too many calls: try again in ${formatWait(retryAfterMs)}`);

  const check = defineCheck<C>('cooldown', async (ctx, next) => {
    const retryAfterMs = await store.take(`${id}:${keyOf(ctx)}`, limit, windowMs, Date.now());
    if (retryAfterMs <= 0) return next();
    if (onCooldown === undefined)
      throw new CheckFailure('cooldown', reasonFor(retryAfterMs), { retryAfterMs });
    const answer = await onCooldown(ctx, retryAfterMs);
    if (typeof answer === 'string') await ctx.reply(answer);
  });
  return Object.assign(check, {
    id,
    async reset(target: C | string): Promise<void> {
      await store.reset(`${id}:${typeof target === 'string' ? target : keyOf(target)}`);
    },
  });
}

/**
 * A wait in words: `'8 s'`, `'2 min 5 s'`, `'1 h 30 min'` (at least `'1 s'`).
 *
 * @example
 * formatWait(125_000); // '2 min 5 s'
 */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) {
    const rest = seconds % 60;
    return rest === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${rest} s`;
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
