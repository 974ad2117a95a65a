import type { KeyValueStore, Lease } from '@vkwire/core';
import type { BaseContext } from '../context.js';

/**
 * Whose state it is: one per `user` (across every chat), per `chat` (shared by its members), or per
 * user in each chat (`user_in_chat`, the default).
 */
export type StateStrategy = 'user' | 'chat' | 'user_in_chat';

/** A custom key of an update's state (undefined: the update has none). */
export type StateKeyFn<C> = (ctx: C) => string | undefined;

/**
 * The state key of an update: the community first (`0` for a user account's bot), then the
 * strategy: `<groupId>:u:<userId>`, `<groupId>:c:<peerId>` or `<groupId>:uc:<peerId>:<userId>`.
 * Undefined when the update has no such user or chat (a `group_join` has no chat).
 *
 * @example
 * stateKey(ctx, 'user_in_chat'); // '218734561:uc:2000000001:42'
 */
export function stateKey(ctx: BaseContext, strategy: StateStrategy): string | undefined {
  const group = ctx.groupId ?? 0;
  const user = ctx.senderId;
  const peer = ctx.peerId;
  switch (strategy) {
    case 'user':
      return user === undefined ? undefined : `${group}:u:${user}`;
    case 'chat':
      return peer === undefined ? undefined : `${group}:c:${peer}`;
    case 'user_in_chat':
      return user === undefined || peer === undefined ? undefined : `${group}:uc:${peer}:${user}`;
  }
}

const strategyKeys: Record<StateStrategy, StateKeyFn<BaseContext>> = {
  user: (ctx) => stateKey(ctx, 'user'),
  chat: (ctx) => stateKey(ctx, 'chat'),
  user_in_chat: (ctx) => stateKey(ctx, 'user_in_chat'),
};

/**
 * Whether the update is the community's own message echoed back (a `message_reply` or
 * `message_edit` it wrote in a dialog): under `strategy: 'chat'` it has the dialog's key, but it is
 * no one's answer, so state handlers and conversation waits pass it on.
 */
export function isOwnMessage(ctx: BaseContext): boolean {
  const sender = ctx.senderId;
  return sender !== undefined && sender < 0 && -sender === ctx.groupId;
}

/**
 * The key function of a strategy or a custom one. A strategy's function is one shared function, so
 * features with the same strategy can tell that their keys of an update agree without computing both.
 */
export function keyFunction<C extends BaseContext>(
  strategy: StateStrategy | undefined,
  getKey: StateKeyFn<C> | undefined,
): StateKeyFn<C> {
  if (getKey !== undefined) return getKey;
  return strategyKeys[strategy ?? 'user_in_chat'];
}

/**
 * The key a feature stores under: the community first (as every state key starts), then the
 * feature's prefix, then the rest in braces — `218734561:session:{uc:2000000004:193847562}`. The
 * braces are a Redis Cluster hash tag: every feature's key of one user (or chat) is in one slot, so
 * a Cluster reads and writes an update's keys in one script, all or none, as a single Redis does.
 * A custom key without a `:` gets the prefix in front (`session:{order-42}`); one that has braces of
 * its own keeps them (no second tag).
 */
export function featureKey(base: string, prefix: string): string {
  const colon = base.indexOf(':');
  // A key with a hash tag of its own keeps it; any other gets its rest as one.
  const rest = colon < 0 ? base : base.slice(colon + 1);
  const tail = base.includes('{') ? rest : `{${rest}}`;
  return colon < 0 ? `${prefix}:${tail}` : `${base.slice(0, colon)}:${prefix}:${tail}`;
}

/**
 * Where and how a state feature (sessions, FSM, conversations) keeps its values: one list of
 * options, each feature documenting its own `prefix` default.
 */
export interface StateStoreOptions<C extends BaseContext = BaseContext> {
  /** Where the values live; share one `RedisStorage` between workers. @default a MemoryKeyValueStore of its own */
  storage?: KeyValueStore | undefined;
  /** Whose value it is. @default 'user_in_chat' */
  strategy?: StateStrategy | undefined;
  /** A custom key (wins over `strategy`); start it with the community's id. */
  getKey?: StateKeyFn<C> | undefined;
  /**
   * Put after the community in the stored key, to keep features apart in one store: features
   * given one `storage` need one each (an update reaching two under one prefix fails with a
   * `VkwireConfigError`, as they would overwrite each other's state).
   */
  prefix?: string | undefined;
  /** A value expires this long after it was last changed. @default never */
  ttlMs?: number | undefined;
  /**
   * A lease shared by the workers (core's `MemoryLease`, redis-bridge's `RedisLease`): updates of
   * one key then run one at a time across processes, not only within one.
   */
  lease?: Lease | undefined;
  /** How long a lease is taken for (renewed while the handler runs). @default 30000 */
  leaseMs?: number | undefined;
  /** How long an update waits for a key another worker holds, then fails. @default 10000 */
  leaseWaitMs?: number | undefined;
}
