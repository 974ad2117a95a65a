import type { BaseContext } from '../context.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';

/**
 * A check of your own: the update goes on when the predicate answers true, and fails with a
 * `CheckFailure` (`check` = `name`) when it answers false. What the predicate throws is thrown as it is.
 *
 * @param name the check's name (`CheckFailure.check`)
 * @param predicate whether the update may go on
 * @param message what the failure says @default 'the check "<name>" did not pass'
 *
 * @example
 * const premium = check('premium', (ctx: Context) => premiumUsers.has(ctx.senderId ?? 0), 'this is for premium users');
 * bot.command('hd', { checks: [premium] }, sendHd);
 */
export function check<C extends BaseContext = BaseContext>(
  name: string,
  predicate: (ctx: C) => boolean | Promise<boolean>,
  message?: string,
): Check<C> {
  const reason = message ?? `the check "${name}" did not pass`;
  return defineCheck<C>(name, async (ctx, next) => {
    if (!(await predicate(ctx))) throw new CheckFailure(name, reason);
    await next();
  });
}
