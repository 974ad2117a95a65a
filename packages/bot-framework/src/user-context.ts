import type { VkForward } from '@vkwire/api-client';
import type { UserLongPollEvent, UserMessage } from '@vkwire/longpoll';
import { BaseContext, type Context, type MessageView } from './context.js';
import type { UserWaitFilter, UserWaitResult, WaitFilter } from './state/wait/filter.js';
import { type WaitOptions, waitFor } from './state/wait/registry.js';

/**
 * The context of a user account's bot (User Long Poll): the decoded event (typed from the User Long
 * Poll event map), the account's API, and the same conversation fields and answers as a community
 * bot's context, so commands and message handlers work alike. Outgoing messages (the account's own)
 * reach the handlers too: `ctx.isOutgoing` tells them apart (`bot.command` ignores them).
 *
 * @example
 * userBot.on('message_new', (ctx) => console.log(ctx.message.text, ctx.message.flags.outbox));
 */
export class UserContext<U extends UserLongPollEvent = UserLongPollEvent> extends BaseContext<U> {
  /** The message of a `message_new` or `message_edit` event; undefined otherwise. */
  get message(): U extends { type: 'message_new' | 'message_edit' } ? UserMessage : UserMessage | undefined {
    const event = this.update as UserLongPollEvent;
    return (event.type === 'message_new' || event.type === 'message_edit' ? event : undefined) as never;
  }

  /** Whether the message was sent by the account itself. */
  get isOutgoing(): boolean {
    const event = this.update as UserLongPollEvent;
    return (event.type === 'message_new' || event.type === 'message_edit') && event.flags.outbox;
  }

  /**
   * Waits for the next event of this event's user in this conversation that matches `filter` (a
   * User Long Poll event type as the user bot's `on` takes it, a predicate, or a filter object),
   * as a community bot's `ctx.waitFor` does: the matched event is consumed, the rest are handled as
   * usual, and it lives in process memory.
   *
   * @throws WaitTimeoutError (`wait_timeout`) when nothing matched within `timeout` (default 5 min)
   * @throws WaitCancelledError (`wait_cancelled`) when the bot stops meanwhile
   * @example
   * userBot.command('remind', async (ctx) => {
   *   await ctx.reply('What about?');
   *   const what = await ctx.waitFor('message', { timeout: 60_000 });
   *   await what.reply(`Noted: ${what.message.text}`);
   * });
   */
  waitFor<const F extends UserWaitFilter>(filter: F, options?: WaitOptions): Promise<UserWaitResult<F>> {
    // The registry reads only what every context has (conversation, user, type, text, payload).
    return waitFor(this as unknown as Context, filter as WaitFilter, options) as unknown as Promise<
      UserWaitResult<F>
    >;
  }

  protected view(): MessageView | null {
    const event = this.update as UserLongPollEvent;
    if (event.type !== 'message_new' && event.type !== 'message_edit') return null;
    return {
      peerId: event.peerId,
      senderId: event.fromId ?? event.peerId,
      text: event.text,
      cmid: undefined,
      rawPayload: event.payload,
    };
  }

  protected override messageRef(): { id: number } | undefined {
    const event = this.update as UserLongPollEvent;
    if (event.type !== 'message_new' && event.type !== 'message_edit') return undefined;
    return event.messageId === 0 ? undefined : { id: event.messageId };
  }

  protected override quote(peer: number): VkForward | undefined {
    const event = this.update as UserLongPollEvent;
    if (event.type !== 'message_new' || event.messageId === 0) return undefined;
    return { peer_id: peer, message_ids: [event.messageId], is_reply: true };
  }
}
