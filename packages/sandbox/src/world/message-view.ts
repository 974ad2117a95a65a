import type { StoredMessage, VkObject } from './types.js';

/** First peer id of group chats: chat peers are 2000000000 + chat_id. */
export const CHAT_PEER_BASE = 2_000_000_000;

/** Whether a peer id is a group chat. */
export function isChatPeer(peerId: number): boolean {
  return peerId > CHAT_PEER_BASE;
}

/**
 * A message as a community sees it in events and API answers (VK's key order at VK_API_VERSION). In group
 * chats a community has no mailbox ids, so `id` is 0 there, as on VK.
 */
export function messageView(message: StoredMessage, viewerGroupId: number): VkObject {
  const view: VkObject = {
    date: message.date,
    from_id: message.fromId,
    id: isChatPeer(message.peerId) ? 0 : message.id,
    out: message.fromId === -viewerGroupId ? 1 : 0,
    version: message.version,
  };
  if (message.updateTime !== undefined) view.update_time = message.updateTime;
  view.attachments = message.attachments;
  view.conversation_message_id = message.cmid;
  view.fwd_messages = message.fwd.map((item) => foreignView(item, true));
  view.important = false;
  view.is_hidden = false;
  view.peer_id = message.peerId;
  view.random_id = message.randomId;
  view.text = message.text;
  if (message.payload !== undefined) view.payload = message.payload;
  if (message.extra !== undefined) Object.assign(view, message.extra);
  if (message.reply !== undefined) view.reply_message = foreignView(message.reply, false);
  if (message.action !== undefined) view.action = message.action;
  if (message.keyboard !== undefined) {
    view.keyboard = {
      one_time: message.keyboard.one_time ?? false,
      inline: message.keyboard.inline ?? false,
      author_id: message.fromId,
      buttons: message.keyboard.buttons,
    };
  }
  if (message.template !== undefined) view.template = message.template;
  return view;
}

/**
 * A foreign message (an item of `fwd_messages` or a `reply_message`). Top-level forwards always
 * carry `fwd_messages`; deeper ones and replies only when they have forwards of their own.
 */
function foreignView(message: StoredMessage, topLevelForward: boolean): VkObject {
  const view: VkObject = {
    date: message.date,
    from_id: message.fromId,
    text: message.text,
    attachments: message.attachments,
    conversation_message_id: message.cmid,
    peer_id: message.peerId,
    id: isChatPeer(message.peerId) ? 0 : message.id,
  };
  if (topLevelForward || message.fwd.length > 0) {
    view.fwd_messages = message.fwd.map((item) => foreignView(item, false));
  }
  return view;
}
