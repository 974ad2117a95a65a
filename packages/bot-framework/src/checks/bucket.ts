import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';

/**
 * What a cooldown or a concurrency limit counts per: each user (`'user'`), each conversation
 * (`'chat'`: a group chat, or a private conversation), each user in each conversation
 * (`'user_in_chat'`), the whole bot (`'global'`), or a key of your own.
 *
 * Keys of the named buckets (what `reset` takes as a string): `'user'` → the user id (`'193847562'`),
 * `'chat'` → the peer id (`'2000000001'`), `'user_in_chat'` → `'<peer id>:<user id>'`, `'global'` →
 * `'global'`. An update without an author or a conversation counts under `'none'`.
 *
 * @example
 * cooldown({ per: '1m', bucket: (ctx) => `${ctx.groupId}:${ctx.senderId}` }); // per user per community
 */
export type Bucket<C extends BaseContext = BaseContext> =
  | 'user'
  | 'chat'
  | 'user_in_chat'
  | 'global'
  | ((ctx: C) => string);

const BUCKETS = ['user', 'chat', 'user_in_chat', 'global'] as const;

/** The function that gives the bucket key of a context; checks the option. */
export function bucketKeyOf<C extends BaseContext>(component: string, bucket: Bucket<C>): (ctx: C) => string {
  if (typeof bucket === 'function') return bucket;
  switch (bucket) {
    case 'user':
      return (ctx) => idOrNone(ctx.senderId);
    case 'chat':
      return (ctx) => idOrNone(ctx.peerId);
    case 'user_in_chat':
      return (ctx) =>
        ctx.peerId === undefined || ctx.senderId === undefined ? 'none' : `${ctx.peerId}:${ctx.senderId}`;
    case 'global':
      return () => 'global';
    default:
      throw new VkwireConfigError(component, 'bucket', `one of ${BUCKETS.join(', ')} or a function`, {
        got: bucket,
      });
  }
}

function idOrNone(id: number | undefined): string {
  return id === undefined ? 'none' : String(id);
}
