import { type VkApi, VkApiError } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';

/** Options of {@link chatAdmin}. */
export interface ChatAdminOptions {
  /**
   * How long a chat's admin list is kept before it is asked again; 0 asks at every update.
   * @default 60000
   */
  cacheTtlMs?: number;
  /** What the failure says when the sender is no admin. @default 'only chat admins can do this' */
  message?: string;
}

/** A chat admin check, with a way to forget cached admin lists. */
export type ChatAdmin<C extends BaseContext = BaseContext> = Check<C> & {
  /** Forgets the cached admins of one chat (by peer id), or of every chat. */
  clearCache(peerId?: number): void;
};

/** VK's error when the community may not read the chat's members: it is not (or no more) an admin there. */
const NO_ACCESS_TO_CHAT = 917;
/** Members asked per `messages.getConversationMembers` call. */
const PAGE = 200;

interface Cached {
  readonly admins: ReadonlySet<number>;
  readonly expiresAt: number;
}

/**
 * Lets through only messages from an admin or the owner of the group chat, as
 * `messages.getConversationMembers` lists them (`is_admin`, `is_owner`). Each chat's admin list is
 * kept for `cacheTtlMs`; create the check once and reuse it so its commands share the cache.
 *
 * VK answers that call only when the bot itself is an admin of the chat (error 917 otherwise): the
 * check then fails with the reason "the bot is not an admin of this chat: make the bot an admin of
 * the chat" (the VK error is its `cause`). Outside a group chat it fails too. Other API errors
 * (network, rate limit) are thrown as they are.
 *
 * @example
 * const admins = chatAdmin();
 * bot.command('kick', { checks: [admins] }, kick);
 * bot.command('pin', { checks: [admins] }, pin);
 */
export function chatAdmin<C extends BaseContext = BaseContext>(options: ChatAdminOptions = {}): ChatAdmin<C> {
  const ttl = options.cacheTtlMs ?? 60_000;
  if (!Number.isFinite(ttl) || ttl < 0)
    throw new VkwireConfigError('chatAdmin', 'cacheTtlMs', 'a number of milliseconds ≥ 0', {
      got: options.cacheTtlMs,
    });
  const reason = options.message ?? 'only chat admins can do this';
  // Every entry lives `ttl`, and a write moves its key to the end: the first key expires first.
  const cache = new Map<string, Cached>();
  const pending = new Map<string, Promise<ReadonlySet<number>>>();

  const sweep = (now: number): void => {
    for (const [key, entry] of cache) {
      if (entry.expiresAt > now) break;
      cache.delete(key);
    }
  };

  const adminsOf = (ctx: C, peer: number): Promise<ReadonlySet<number>> => {
    const key = `${ctx.groupId ?? 0}:${peer}`;
    sweep(Date.now());
    const hit = cache.get(key);
    if (hit !== undefined) return Promise.resolve(hit.admins);
    let asking = pending.get(key);
    if (asking === undefined) {
      asking = fetchAdmins(ctx.api, peer, ctx.signal)
        .then((admins) => {
          if (ttl > 0) {
            cache.delete(key);
            cache.set(key, { admins, expiresAt: Date.now() + ttl });
          }
          return admins;
        })
        .finally(() => pending.delete(key));
      pending.set(key, asking);
    }
    return asking;
  };

  const check = defineCheck<C>('chatAdmin', async (ctx, next) => {
    const peer = ctx.peerId;
    if (peer === undefined || !ctx.isChat)
      throw new CheckFailure('chatAdmin', 'this works only in group chats');
    let admins: ReadonlySet<number>;
    try {
      admins = await adminsOf(ctx, peer);
    } catch (error) {
      if (error instanceof VkApiError && error.code === NO_ACCESS_TO_CHAT)
        throw new CheckFailure(
          'chatAdmin',
          'the bot is not an admin of this chat, so it cannot see who is: make the bot an admin of the chat',
          { cause: error },
        );
      throw error;
    }
    const sender = ctx.senderId;
    if (sender === undefined || !admins.has(sender)) throw new CheckFailure('chatAdmin', reason);
    await next();
  });
  return Object.assign(check, {
    clearCache(peerId?: number): void {
      if (peerId === undefined) {
        cache.clear();
        return;
      }
      for (const key of [...cache.keys()]) if (key.endsWith(`:${peerId}`)) cache.delete(key);
    },
  });
}

/** The ids of the chat's admins and owner, read page by page. */
async function fetchAdmins(api: VkApi, peer: number, signal: AbortSignal): Promise<ReadonlySet<number>> {
  const admins = new Set<number>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await api.messages.getConversationMembers(
      { peer_id: peer, offset, count: PAGE },
      { signal },
    );
    const items = page.items ?? [];
    for (const member of items)
      if ((member.is_admin === true || member.is_owner === true) && member.member_id !== undefined)
        admins.add(member.member_id);
    if (items.length < PAGE || offset + PAGE >= (page.count ?? 0)) return admins;
  }
}
