import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../context.js';
import { type Check, CheckFailure, defineCheck } from './failure.js';
import { type IdList, idListOf } from './id-list.js';

/** Options of the conversation checks. */
export interface ConversationCheckOptions {
  /** What the failure says instead of the default. */
  message?: string;
}

/**
 * Lets through only updates in a private conversation with the bot (fails in group chats and on
 * updates outside a conversation).
 *
 * @example
 * bot.command('settings', { checks: [privateOnly()] }, showSettings);
 */
export function privateOnly<C extends BaseContext = BaseContext>(
  options: ConversationCheckOptions = {},
): Check<C> {
  const reason = options.message ?? 'this works only in private messages with the bot';
  return defineCheck<C>('privateOnly', async (ctx, next) => {
    if (ctx.peerId === undefined || ctx.isChat) throw new CheckFailure('privateOnly', reason);
    await next();
  });
}

/**
 * Lets through only updates in group chats.
 *
 * @example
 * bot.command('kick', { checks: [chatOnly(), chatAdmin()] }, kick);
 */
export function chatOnly<C extends BaseContext = BaseContext>(
  options: ConversationCheckOptions = {},
): Check<C> {
  const reason = options.message ?? 'this works only in group chats';
  return defineCheck<C>('chatOnly', async (ctx, next) => {
    if (!ctx.isChat) throw new CheckFailure('chatOnly', reason);
    await next();
  });
}

/** The first peer id of a group chat (VK's peer id of chat `n` is 2000000000 + n). */
const CHAT_PEER_BASE = 2_000_000_000;

/**
 * Lets through only updates in the given group chats, by peer id (2000000000 + chat id). A `Set`
 * is read at each update (add or delete later and the check follows); a function is asked at each
 * update (a database, a config reloaded at run time).
 *
 * @example
 * bot.use(allowChats([2000000001, 2000000007]));
 */
export function allowChats<C extends BaseContext = BaseContext>(
  peerIds: IdList<C>,
  options: ConversationCheckOptions = {},
): Check<C> {
  if (typeof peerIds !== 'function')
    for (const id of peerIds)
      if (!Number.isSafeInteger(id) || id <= CHAT_PEER_BASE)
        throw new VkwireConfigError('allowChats', 'peerIds', 'peer ids of chats (2000000000 + chat id)', {
          got: id,
        });
  const lookup = idListOf('allowChats', 'peerIds', peerIds);
  const reason = options.message ?? 'this is not available in this chat';
  return defineCheck<C>('allowChats', async (ctx, next) => {
    const peer = ctx.peerId;
    if (peer === undefined || !ctx.isChat || !(await lookup(ctx, peer)))
      throw new CheckFailure('allowChats', reason);
    await next();
  });
}
