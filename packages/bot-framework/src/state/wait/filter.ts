import type { Context } from '../../context.js';
import { type Filtered, matchesQuery, type UpdateQuery } from '../../filters.js';
import { payloadMatches } from '../../keyboard/payload.js';
import type { UserContext } from '../../user-context.js';

/** A predicate over the next update of the conversation; a type guard narrows what `waitFor` resolves with. */
export type WaitPredicate<C extends Context = Context> = (ctx: C) => boolean;

/** What the next update must be, as fields that must all hold. */
export interface WaitFilterObject<Q extends UpdateQuery<Context> = UpdateQuery<Context>> {
  /** Its type, as `bot.on` takes it (`'message'`, `'message_new'`, `'message_event'`...). */
  type?: Q;
  /** Its text equals this string, or matches this regular expression. */
  text?: string | RegExp;
  /** Its payload (a text button's or a callback button's) contains this pattern. */
  payload?: Record<string, unknown>;
  /** Any further test. */
  where?: (ctx: Context) => boolean;
}

/**
 * What `ctx.waitFor` waits for: an update type (as `bot.on` takes it), a predicate (a type guard
 * narrows the result), or a filter object.
 */
export type WaitFilter =
  | UpdateQuery<Context>
  | WaitPredicate
  | ((ctx: Context) => ctx is Context)
  | WaitFilterObject;

/** The context `waitFor(filter)` resolves with: narrowed by the filter's update type or type guard. */
export type WaitResult<F> =
  F extends UpdateQuery<Context>
    ? Filtered<Context, F>
    : F extends (ctx: Context) => ctx is Context & infer T
      ? Context & T
      : F extends { type: infer Q extends UpdateQuery<Context> }
        ? Filtered<Context, Q>
        : Context;

/** Whether `ctx` answers the filter. A throwing predicate counts as no match (and is reported by the caller). */
export function matchesWait(filter: WaitFilter, ctx: Context): boolean {
  if (typeof filter === 'string') return matchesQuery(ctx, filter);
  if (typeof filter === 'function') return filter(ctx);
  if (filter.type !== undefined && !matchesQuery(ctx, filter.type)) return false;
  if (filter.text !== undefined) {
    const text = ctx.text;
    if (text === undefined) return false;
    if (typeof filter.text === 'string' ? text !== filter.text : !filter.text.test(text)) return false;
  }
  if (filter.payload !== undefined && !payloadMatches(filter.payload, ctx.payload)) return false;
  return filter.where === undefined || filter.where(ctx);
}

/** Whether a value is a usable filter (for a clear error on a wrong one). */
export function isWaitFilter(value: unknown): value is WaitFilter {
  return (
    typeof value === 'string' || typeof value === 'function' || (typeof value === 'object' && value !== null)
  );
}

/** What a user bot's `ctx.waitFor` waits for: a User Long Poll event type, a predicate, or a filter object. */
export type UserWaitFilter =
  | UpdateQuery<UserContext>
  | ((ctx: UserContext) => boolean)
  | ((ctx: UserContext) => ctx is UserContext)
  | {
      /** Its type, as the user bot's `on` takes it (`'message'`, `'message_new'`...). */
      type?: UpdateQuery<UserContext>;
      /** Its text equals this string, or matches this regular expression. */
      text?: string | RegExp;
      /** Its payload contains this pattern. */
      payload?: Record<string, unknown>;
      /** Any further test. */
      where?: (ctx: UserContext) => boolean;
    };

/** The context a user bot's `waitFor(filter)` resolves with: narrowed by the filter's type or type guard. */
export type UserWaitResult<F> =
  F extends UpdateQuery<UserContext>
    ? Filtered<UserContext, F>
    : F extends (ctx: UserContext) => ctx is UserContext & infer T
      ? UserContext & T
      : F extends { type: infer Q extends UpdateQuery<UserContext> }
        ? Filtered<UserContext, Q>
        : UserContext;
