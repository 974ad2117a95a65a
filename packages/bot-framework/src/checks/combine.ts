import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';
import { chain, flatten, type Middleware, type MiddlewareFn, type NextFunction } from '../middleware.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';

/**
 * Passes when every check passes, in order (the first failure is thrown as it is). The same as
 * listing the checks one after another; useful inside {@link any}.
 *
 * @example
 * any(chatAdmin(), all(chatOnly(), allowUsers(moderators)));
 */
export function all<C extends BaseContext = BaseContext>(...checks: Array<Middleware<C>>): Check<C> {
  return defineCheck<C>('all', chain(checks.map(flatten)));
}

/**
 * Passes when one of the checks passes. They are tried in order, one at a time, and the first
 * that passes lets the update go on; when none does it fails with a `CheckFailure`
 * (`check: 'any'`) whose reason lists every reason, whose `failures` holds each failure, and
 * whose `retryAfterMs` is the soonest of theirs (when one has any).
 *
 * Each check runs as it would in a chain: the one that passes wraps the rest of the chain, so a
 * concurrency slot it takes is held until the handler is done. A check after the one that passed
 * does not run at all: a cooldown placed after another check counts only the calls that other
 * check refused (`any(chatAdmin(), cooldown(...))`: admins are never cooled down and do not use
 * up the cooldown). A check that neither passes nor fails (a cooldown's `onCooldown` answering
 * the call) ends the update there. Errors that are not a `CheckFailure` (a VK error) are thrown.
 *
 * @example
 * bot.command('announce', { checks: [any(chatAdmin(), allowUsers([193847562]))] }, announce);
 */
export function any<C extends BaseContext = BaseContext>(...checks: Array<Middleware<C>>): Check<C> {
  if (checks.length === 0) throw new VkwireConfigError('any', 'checks', 'at least one check');
  const list = checks.map(flatten);
  return defineCheck<C>('any', async (ctx, next) => {
    const failures: CheckFailure[] = [];
    for (const item of list) {
      const outcome = await attempt(item, ctx, next);
      if (outcome.kind === 'done') return;
      failures.push(outcome.failure);
    }
    const waits = failures.flatMap((failure) =>
      failure.retryAfterMs === undefined ? [] : [failure.retryAfterMs],
    );
    throw new CheckFailure('any', failures.map((failure) => failure.reason).join('; or '), {
      failures,
      ...(waits.length === 0 ? {} : { retryAfterMs: Math.min(...waits) }),
    });
  });
}

type Attempt = { kind: 'done' } | { kind: 'failed'; failure: CheckFailure };

/**
 * Runs one check of `any`. It either fails (a `CheckFailure`), stops the update without failing,
 * or calls `next`: then the real rest of the chain runs inside it, and its outcome is the check's.
 */
async function attempt<C>(check: MiddlewareFn<C>, ctx: C, next: NextFunction): Promise<Attempt> {
  let entered!: () => void;
  const passed = new Promise<'passed'>((resolve) => {
    entered = () => resolve('passed');
  });
  let proceed!: (rest: Promise<void>) => void;
  const rest = new Promise<void>((resolve, reject) => {
    proceed = (promise) => promise.then(resolve, reject);
  });
  let called = false;
  const running = (async () => {
    await check(ctx, () => {
      if (called) return Promise.reject(new Error('next() was called twice by a check inside any()'));
      called = true;
      entered();
      return rest;
    });
  })();
  const settled = running.then(
    () => ({ error: undefined, threw: false }),
    (error: unknown) => ({ error, threw: true }),
  );
  const first = await Promise.race([passed, settled]);
  if (first === 'passed') {
    proceed(Promise.resolve().then(next));
    await running;
    return { kind: 'done' };
  }
  if (!first.threw) return { kind: 'done' };
  if (first.error instanceof CheckFailure) return { kind: 'failed', failure: first.error };
  throw first.error;
}
