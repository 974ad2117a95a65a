import type { BaseContext } from '../context.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';
import { type IdList, idListOf } from './id-list.js';

/** Options of the user list checks. */
export interface UserListOptions {
  /** What the failure says instead of the default. */
  message?: string;
}

/**
 * Lets through only updates from the given users (fails on updates without an author).
 *
 * @example
 * const owners = allowUsers([193847562]);
 * bot.command('shutdown', { checks: [owners] }, () => bot.stop());
 */
export function allowUsers<C extends BaseContext = BaseContext>(
  ids: IdList<C>,
  options: UserListOptions = {},
): Check<C> {
  const lookup = idListOf('allowUsers', 'ids', ids);
  const reason = options.message ?? 'you are not allowed to do this';
  return defineCheck<C>('allowUsers', async (ctx, next) => {
    const sender = ctx.senderId;
    if (sender === undefined || !(await lookup(ctx, sender))) throw new CheckFailure('allowUsers', reason);
    await next();
  });
}

/**
 * Stops updates from the given users (updates without an author pass).
 *
 * @example
 * bot.use(denyUsers(banned)); // a Set: ban and unban at run time
 */
export function denyUsers<C extends BaseContext = BaseContext>(
  ids: IdList<C>,
  options: UserListOptions = {},
): Check<C> {
  const lookup = idListOf('denyUsers', 'ids', ids);
  const reason = options.message ?? 'you are not allowed to do this';
  return defineCheck<C>('denyUsers', async (ctx, next) => {
    const sender = ctx.senderId;
    if (sender !== undefined && (await lookup(ctx, sender))) throw new CheckFailure('denyUsers', reason);
    await next();
  });
}
