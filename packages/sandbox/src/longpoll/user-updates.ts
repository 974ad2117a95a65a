import type { StoredMessage, VkObject } from '../world/types.js';

/** User Long Poll message flag bits the sandbox sets (vk-protocol §4.6). */
export const USER_MESSAGE_FLAGS = {
  unread: 1,
  outbox: 2,
  deleted: 128,
  deleteForAll: 131072,
  /** Undocumented for v3 but observed: a message in a group chat (VK's own v3 example uses 8193). */
  groupChat: 8192,
} as const;

/** The `mode` bits that change what an update contains (the others change nothing the sandbox emits). */
export const MODE_ATTACHMENTS = 2;
/** `random_id` as the last element of message events. */
export const MODE_RANDOM_ID = 128;
/** `pts` in every answer. */
export const MODE_PTS = 32;

/**
 * Which of the four serializations of an update a `mode` reads: with or without the
 * `additional`/attachments objects (2), with or without `random_id` (128).
 */
export function variantOf(mode: number): 0 | 1 | 2 | 3 {
  return (((mode & MODE_ATTACHMENTS) !== 0 ? 1 : 0) | ((mode & MODE_RANDOM_ID) !== 0 ? 2 : 0)) as
    | 0
    | 1
    | 2
    | 3;
}

/** An update serialized for each variant (index = `variantOf(mode)`). */
export type UpdateVariants = readonly [string, string, string, string];

/** The same serialization for every mode (events without mode-dependent parts). */
export function sameForAllModes(update: readonly unknown[]): UpdateVariants {
  const json = JSON.stringify(update);
  return [json, json, json, json];
}

/**
 * HTML-escapes a text the way VK does in User Long Poll: `&` first (so nothing is escaped twice),
 * then `"`, `<`, `>`, and newlines as `<br>`.
 */
export function escapeVkText(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\n', '<br>');
}

const EMOJI = /\p{Extended_Pictographic}/u;

/** What one viewer sees of a message in an event 4 or 5. */
export interface MessageUpdate {
  code: 4 | 5;
  messageId: number;
  flags: number;
  peerId: number;
  /** Unix time: the message's date (4) or its edit time (5). */
  time: number;
  message: StoredMessage;
  /** The chat title, for chat peers. */
  chatTitle?: string;
  /** The previous title, for `chat_title_update` service messages. */
  oldTitle?: string;
  /** `random_id` as this viewer sees it (the sender's own; 0 for recipients). */
  randomId: number;
  /** The viewer's id of a message (forwards are named by it). */
  idOf: (message: StoredMessage) => number;
}

/**
 * The `additional` object (mode 2): `title`, `emoji`, `from` (chats), the `source_*` keys of a
 * service message, `payload` and `keyboard`. Values are strings, as VK sends them.
 */
function additional(update: MessageUpdate): VkObject {
  const { message } = update;
  const extra: VkObject = {};
  if (update.chatTitle !== undefined) extra.from = String(message.fromId);
  const action = message.action;
  if (action) {
    extra.source_act = String(action.type);
    if (action.member_id !== undefined) extra.source_mid = String(action.member_id);
    if (typeof action.text === 'string') extra.source_text = escapeVkText(action.text);
    if (update.oldTitle !== undefined) extra.source_old_text = escapeVkText(update.oldTitle);
    // Pins: the pinned text and its cmid.
    if (typeof action.message === 'string') extra.source_message = escapeVkText(action.message);
    if (action.conversation_message_id !== undefined)
      extra.source_chat_local_id = String(action.conversation_message_id);
    return extra;
  }
  // VK gives " ... " as the title of private dialogs (a leftover of old clients).
  extra.title = update.chatTitle === undefined ? ' ... ' : escapeVkText(update.chatTitle);
  if (EMOJI.test(message.text)) extra.emoji = '1';
  if (message.payload !== undefined) extra.payload = message.payload;
  if (message.keyboard !== undefined) extra.keyboard = message.keyboard;
  return extra;
}

/** `attach{i}_type` and friends for one attachment object (`{type, [type]: media}`). */
function attachmentFields(target: VkObject, index: number, attachment: VkObject): void {
  const type = String(attachment.type);
  const media = (attachment[type] ?? {}) as VkObject;
  const key = `attach${index}`;
  const ownerItem = `${String(media.owner_id)}_${String(media.id)}`;
  switch (type) {
    case 'audio_message':
    case 'graffiti':
      // Voice messages and graffiti are docs of a kind in User Long Poll.
      target[`${key}_type`] = 'doc';
      target[key] = ownerItem;
      target[`${key}_kind`] = type === 'audio_message' ? 'audiomsg' : 'graffiti';
      return;
    case 'sticker':
      target[`${key}_type`] = 'sticker';
      target[key] = String(media.sticker_id);
      target[`${key}_product_id`] = String(media.product_id);
      return;
    case 'link':
      target[`${key}_type`] = 'link';
      target[key] = '';
      if (typeof media.url === 'string') target[`${key}_url`] = media.url;
      if (typeof media.title === 'string') target[`${key}_title`] = escapeVkText(media.title);
      if (typeof media.description === 'string') target[`${key}_desc`] = escapeVkText(media.description);
      return;
    default:
      target[`${key}_type`] = type;
      target[key] = ownerItem;
  }
}

/** The attachments object (mode 2): `attach{i}*`, `fwd`, `reply`. */
function attachments(update: MessageUpdate): VkObject {
  const { message } = update;
  const object: VkObject = {};
  message.attachments.forEach((attachment, index) => {
    attachmentFields(object, index + 1, attachment);
  });
  if (message.fwd.length > 0) {
    object.fwd = message.fwd.map((item) => `${item.fromId}_${update.idOf(item)}`).join(',');
  }
  if (message.reply) object.reply = JSON.stringify({ conversation_message_id: message.reply.cmid });
  return object;
}

/**
 * `[code, message_id, flags, peer_id, timestamp, text]`, then `additional` and attachments
 * (mode 2), then `random_id` (mode 128): the four serializations, sharing the common head.
 */
export function messageVariants(update: MessageUpdate): UpdateVariants {
  const text = update.message.action ? '' : escapeVkText(update.message.text);
  const base = JSON.stringify([
    update.code,
    update.messageId,
    update.flags,
    update.peerId,
    update.time,
    text,
  ]);
  const head = base.slice(0, -1);
  const objects = `${JSON.stringify(additional(update))},${JSON.stringify(attachments(update))}`;
  return [
    base,
    `${head},${objects}]`,
    `${head},${update.randomId}]`,
    `${head},${objects},${update.randomId}]`,
  ];
}
