import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';
import { type Bucket, bucketKeyOf } from './bucket.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';

/** Options of {@link maxConcurrency}. */
export interface MaxConcurrencyOptions<C extends BaseContext = BaseContext> {
  /** What the limit counts per. @default 'user' */
  bucket?: Bucket<C>;
  /**
   * Over the limit, wait for a slot (first come, first served) instead of failing. A wait ends
   * with the context's `signal` (the bot's stop timeout), rejecting with its reason. @default false
   */
  wait?: boolean;
  /** What the failure says. @default 'this is still running for you: try again when it has finished' */
  message?: string;
}

/** A concurrency check, with what it holds now. */
export type MaxConcurrency<C extends BaseContext = BaseContext> = Check<C> & {
  /** Calls running now in a bucket (by context or bucket key). */
  running(target: C | string): number;
};

interface Slots {
  active: number;
  /** Waiting calls, first come first served: each takes a freed slot. */
  readonly waiters: Array<() => void>;
}

/**
 * Lets at most `limit` calls run at once per bucket (per user by default): the slot is taken when
 * the check passes and given back when the rest of the chain has finished, whether it returned or
 * threw. Over the limit it throws a `CheckFailure` (`check: 'maxConcurrency'`), or waits for a slot
 * with `wait: true`. Counted in this process (each bot process has its own limit).
 *
 * @example
 * // one report per user at a time; a second /report fails until the first is done
 * bot.command('report', { checks: [maxConcurrency(1)] }, buildReport);
 * // at most 3 renders at once in the whole bot; the rest queue
 * bot.command('render', { checks: [maxConcurrency(3, { bucket: 'global', wait: true })] }, render);
 */
export function maxConcurrency<C extends BaseContext = BaseContext>(
  limit: number,
  options: MaxConcurrencyOptions<C> = {},
): MaxConcurrency<C> {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new VkwireConfigError('maxConcurrency', 'limit', 'a positive integer', { got: limit });
  const keyOf = bucketKeyOf<C>('maxConcurrency', options.bucket ?? 'user');
  const reason = options.message ?? 'this is still running for you: try again when it has finished';
  const buckets = new Map<string, Slots>();

  const acquire = async (key: string, signal: AbortSignal): Promise<void> => {
    let slots = buckets.get(key);
    if (slots === undefined) {
      slots = { active: 0, waiters: [] };
      buckets.set(key, slots);
    }
    if (slots.active < limit) {
      slots.active += 1;
      return;
    }
    if (options.wait !== true) throw new CheckFailure('maxConcurrency', reason);
    signal.throwIfAborted();
    const waiting = slots;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = waiting.waiters.indexOf(take);
        if (index >= 0) waiting.waiters.splice(index, 1);
        reject(signal.reason);
      };
      // The releasing call hands its slot over: `active` stays as it is.
      const take = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      waiting.waiters.push(take);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  };

  const release = (key: string): void => {
    const slots = buckets.get(key);
    if (slots === undefined) return;
    const next = slots.waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    slots.active -= 1;
    if (slots.active === 0) buckets.delete(key);
  };

  const check = defineCheck<C>('maxConcurrency', async (ctx, next) => {
    const key = keyOf(ctx);
    await acquire(key, ctx.signal);
    try {
      await next();
    } finally {
      release(key);
    }
  });
  return Object.assign(check, {
    running(target: C | string): number {
      return buckets.get(typeof target === 'string' ? target : keyOf(target))?.active ?? 0;
    },
  });
}
