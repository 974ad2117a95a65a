import type { BaseContext } from '../context.js';
import type { MiddlewareFn } from '../middleware.js';

/**
 * A check: a middleware that calls `next()` when the update may go on and throws a
 * {@link CheckFailure} when it may not. It fits everywhere a middleware does: `bot.use(chatOnly())`,
 * `command(name, { checks: [cooldown(...)] }, handler)`, `new Router({ checks })`.
 *
 * @example
 * const weekdays: Check = check('weekdays', () => ![0, 6].includes(new Date().getDay()), 'not on weekends');
 */
export type Check<C extends BaseContext = BaseContext> = MiddlewareFn<C> & {
  /** The check's kind, as `CheckFailure.check` names it: `'cooldown'`, `'chatAdmin'`, a custom check's name. */
  readonly checkName: string;
};

/** What else a {@link CheckFailure} carries besides its check and reason. */
export interface CheckFailureOptions {
  /** Milliseconds until the same call may pass (cooldowns). */
  retryAfterMs?: number;
  /** The failures it is made of (`any`). */
  failures?: readonly CheckFailure[];
  /** The error behind it (the VK error of `chatAdmin`). */
  cause?: unknown;
}

/**
 * A check did not let an update through. It is thrown like any error, so it reaches the command's
 * `onError`, the router's `.catch` and `bot.catch`; `message` can be shown to the user as it is.
 *
 * @example
 * bot.catch(async (error, ctx) => {
 *   if (error instanceof CheckFailure) await ctx.reply(error.message); // "Too many calls: try again in 8 s."
 *   else throw error;
 * });
 */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure' as const;
  /** Machine-readable code, the same for every check. */
  readonly code = 'check_failed' as const;
  /** Which check failed: `'cooldown'`, `'maxConcurrency'`, `'chatAdmin'`, `'any'`, a custom check's name... */
  readonly check: string;
  /** Why, in words for the user (lower case, no final period: `message` is the sentence). */
  readonly reason: string;
  /** Milliseconds until the same call may pass, when the check knows (cooldowns). */
  readonly retryAfterMs?: number;
  /** For `any`: the failure of each of its checks, in order; empty otherwise. */
  readonly failures: readonly CheckFailure[];

  /**
   * @param check the check's name
   * @param reason why, for the user: `'this works only in group chats'`
   */
  constructor(check: string, reason: string, options: CheckFailureOptions = {}) {
    super(sentence(reason), options.cause === undefined ? undefined : { cause: options.cause });
    this.check = check;
    this.reason = reason;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.failures = options.failures ?? [];
  }
}

/** Gives a middleware its check name. */
export function defineCheck<C extends BaseContext>(checkName: string, fn: MiddlewareFn<C>): Check<C> {
  return Object.assign(fn, { checkName });
}

/** "too many calls" → "Too many calls." (a text that ends in punctuation keeps it). */
function sentence(reason: string): string {
  const text = reason.charAt(0).toUpperCase() + reason.slice(1);
  return /[.!?…)]$/.test(text) ? text : `${text}.`;
}
