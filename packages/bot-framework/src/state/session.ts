import { MemoryKeyValueStore, VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';
import type { MiddlewareFn } from '../middleware.js';
import { stateGroup, withState } from './batch.js';
import { StateError } from './errors.js';
import type { StateKeyFn, StateStoreOptions } from './keys.js';
import { featureKey, keyFunction } from './keys.js';

/**
 * What `session()` adds to a context: intersect it into your context type.
 *
 * @example
 * type MyContext = Context & SessionFlavor<{ count: number }>;
 * const bot = new Bot<MyContext>({ token });
 * bot.use(session({ initial: () => ({ count: 0 }) }));
 * bot.on('message_new', (ctx) => `message #${++ctx.session.count}`);
 */
export interface SessionFlavor<S> {
  /**
   * This update's session: read and change it freely (or assign a new value); it is written back
   * after the handlers when it changed. Throws `StateError` (`no_state_key`) on updates without the
   * user or chat it is keyed by.
   */
  session: S;
}

/** Options of {@link session}. */
export interface SessionOptions<S, C extends BaseContext = BaseContext> extends StateStoreOptions<C> {
  /** The session of a user (or chat) that has none yet. A new value each call. */
  initial: () => S;
  /** Put after the community in the stored key, to keep features apart in one store. @default 'session' */
  prefix?: string | undefined;
}

/**
 * Sessions: `ctx.session`, kept per user in each chat (or per `user`, per `chat`) in a key-value
 * store, so they survive restarts (with a persistent store) and are shared by workers.
 *
 * The session is read **before** the handlers run (a synchronous `ctx.session` cannot wait for a
 * networked store), once per update, and written back after them only when its JSON changed, with
 * compare-and-set on the version it was read at. Features sharing one `storage` (and `lease`) read
 * an update's keys together and write them together (one round trip each on Redis; all or none). Updates of one key run one at a time in the
 * process (and across workers with `lease`), so each sees what the previous one left. When a
 * write still finds the key changed (another worker without the lease), nothing is written and
 * `SessionConflictError` goes to the error handlers. Assigning `null` or `undefined` deletes it.
 *
 * @example
 * bot.use(session({ initial: () => ({ count: 0 }), strategy: 'user', ttlMs: 86_400_000 }));
 */
export function session<S, C extends BaseContext = BaseContext>(
  options: SessionOptions<S, C>,
): MiddlewareFn<C & SessionFlavor<S>> {
  if (typeof options?.initial !== 'function')
    throw new VkwireConfigError('session', 'initial', 'a function returning the initial session', {
      got: options?.initial,
    });
  if (options.ttlMs !== undefined && !(options.ttlMs > 0))
    throw new VkwireConfigError('session', 'ttlMs', 'a positive number of milliseconds', {
      got: options.ttlMs,
    });
  const storage = options.storage ?? new MemoryKeyValueStore();
  const keyOf = keyFunction<C>(options.strategy, options.getKey);
  const prefix = options.prefix ?? 'session';
  const group = stateGroup(storage, options.lease, options.leaseMs, options.leaseWaitMs);
  const member = group.join(keyOf as StateKeyFn<BaseContext>, prefix);
  const ttlMs = options.ttlMs;
  // One descriptor for every update without a key, so contexts keep one shape (a getter made per
  // update would give each context a shape of its own and turn it into a slow dictionary).
  const missing: PropertyDescriptor = {
    configurable: true,
    get(this: BaseContext) {
      throw new StateError(
        'no_state_key',
        `a ${this.update.type} update has no ${options.strategy ?? 'user_in_chat'} to keep a session for`,
      );
    },
  };

  return (ctx, next) => {
    const base = keyOf(ctx);
    if (base === undefined) {
      Object.defineProperty(ctx, 'session', missing);
      return next();
    }
    const key = featureKey(base, prefix);
    return withState(ctx, group, member, base, key, async (stored) => {
      let value: S | null | undefined;
      let before: string;
      if (stored === undefined) {
        value = options.initial();
        // A fresh session left as `initial()` made it is not worth a write.
        before = JSON.stringify(value);
      } else {
        value = JSON.parse(stored.json) as S;
        before = stored.json;
      }
      // A plain data property, the same for every update (so contexts share a shape); whatever
      // session() was here before (an outer one) comes back after the handlers.
      let outer: PropertyDescriptor | undefined;
      if (!('session' in ctx)) (ctx as { session: unknown }).session = value;
      else {
        outer = Object.getOwnPropertyDescriptor(ctx, 'session');
        Object.defineProperty(ctx, 'session', {
          configurable: true,
          enumerable: true,
          writable: true,
          value,
        });
      }
      try {
        await next();
        value = (ctx as { session: S | null | undefined }).session;
      } finally {
        if (outer !== undefined) Object.defineProperty(ctx, 'session', outer);
      }
      if (value === null || value === undefined)
        return stored === undefined ? undefined : { key, json: undefined, ifVersion: stored.version };
      const after = JSON.stringify(value);
      if (after === before) return undefined;
      return { key, json: after, ifVersion: stored?.version ?? 0, ttlMs };
    });
  };
}
