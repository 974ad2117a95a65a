import type { VkForward } from '@vkwire/api-client';
import type { UserLongPollEvent, UserMessage } from '@vkwire/longpoll';
import { BaseContext, type MessageView } from './context.js';

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
