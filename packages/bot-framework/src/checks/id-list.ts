import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';

/**
 * Ids a list check compares with: a fixed list, a `Set` read at each update (so later changes
 * count), or a function asked at each update (it may be async: a database).
 *
 * @example
 * allowUsers([1, 2, 3]);
 * allowUsers(admins);                                   // a Set you keep up to date
 * allowUsers(async (ctx) => db.moderators(ctx.peerId)); // asked each time
 */
export type IdList<C extends BaseContext = BaseContext> =
  | Iterable<number>
  | ((ctx: C) => Iterable<number> | Promise<Iterable<number>>);

/** Whether an id is in the list, for a context. */
export function idListOf<C extends BaseContext>(
  component: string,
  option: string,
  list: IdList<C>,
): (ctx: C, id: number) => boolean | Promise<boolean> {
  if (typeof list === 'function')
    return async (ctx, id) => {
      const ids = await list(ctx);
      return ids instanceof Set ? ids.has(id) : [...ids].includes(id);
    };
  if (list === null || typeof list !== 'object' || !(Symbol.iterator in list))
    throw new VkwireConfigError(component, option, 'an iterable of ids (an array or a Set) or a function', {
      got: list,
    });
  const set = list instanceof Set ? (list as Set<number>) : new Set(list);
  return (_ctx, id) => set.has(id);
}
