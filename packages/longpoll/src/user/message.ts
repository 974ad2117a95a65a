import { CHAT_PEER_BASE } from './peer.js';
import { unescapeVkText } from './text.js';
import { asBool, asInt, asString, isRecord, parseJson } from './values.js';

/** `source_act` values VK documents for v3, plus any other string it may send. */
export type ServiceActionType =
  | 'chat_create'
  | 'chat_title_update'
  | 'chat_photo_update'
  | 'chat_photo_remove'
  | 'chat_invite_user'
  | 'chat_invite_user_by_link'
  | 'chat_invite_user_by_message_request'
  | 'chat_kick_user'
  | 'chat_pin_message'
  | 'chat_unpin_message'
  | 'chat_screenshot'
  | (string & {});

/**
 * A chat service action (a member joined, the title changed...) from the `source_*` keys of a
 * message's `additional` object. Service messages have empty or placeholder text: read this.
 */
export interface ServiceAction {
  /** `source_act`. */
  type: ServiceActionType;
  /** `source_mid`: the member invited or removed (negative for a community). */
  memberId?: number;
  /** `source_text`, HTML-unescaped: the new title (`chat_create`, `chat_title_update`). */
  text?: string;
  /** `source_old_text`, HTML-unescaped: the previous title. */
  oldText?: string;
  /** `source_message`, HTML-unescaped: the pinned message's text. */
  message?: string;
  /** `source_chat_local_id`: the conversation_message_id of the pinned message. */
  chatLocalId?: number;
}

/** Attachment types VK names in `attach{i}_type`, plus any other string it may send. */
export type UserAttachmentType =
  | 'photo'
  | 'video'
  | 'audio'
  | 'doc'
  | 'wall'
  | 'sticker'
  | 'link'
  | 'market'
  | 'poll'
  | 'gift'
  | 'money'
  | 'group'
  | 'call'
  | 'story'
  | (string & {});

/**
 * One attachment of a message event, from its `attach{i}*` keys. Events carry only ids: call
 * `messages.getById` for the full objects.
 */
export interface UserAttachment {
  /** The `i` of `attach{i}` (1-based, in VK's order). */
  index: number;
  /** `attach{i}_type`. */
  type: UserAttachmentType;
  /** `attach{i}` as VK sent it: usually `"{owner_id}_{item_id}"` (a sticker: its id). */
  value: string;
  /** The owner id, when `value` has the `owner_item` form. */
  ownerId?: number;
  /** The item id, when `value` has the `owner_item` form. */
  itemId?: number;
  /** The access key, when `value` carries one (`owner_item_key`). */
  accessKey?: string;
  /** The attachment string for `messages.send` (`photo123_456`), when `value` has the `owner_item` form. */
  attachment?: string;
  /** `attach{i}_kind`: `audiomsg` (a voice message) or `graffiti` for docs. */
  kind?: string;
  /** `attach{i}_product_id` (stickers). */
  productId?: number;
  /** `attach{i}_url` (links). */
  url?: string;
  /** `attach{i}_title`, HTML-unescaped (links). */
  title?: string;
  /** `attach{i}_desc`, HTML-unescaped (links). */
  description?: string;
  /** `attach{i}_photo` (links). */
  photo?: string;
  /** Other `attach{i}_<suffix>` keys, by suffix, as VK sent them. */
  extra: Record<string, unknown>;
}

/** A forwarded message named by `fwd`. */
export interface ForwardedRef {
  /** The author (or owner) part of the `a_b` pair. */
  fromId: number;
  /** The message id part (0 when VK only marks that forwards exist). */
  messageId: number;
}

/**
 * The content of a message event after `peer_id`: time, text, and what the `additional` and
 * attachments objects (mode 2) and `random_id` (mode 128) carry.
 */
export interface MessageContent {
  /** Unix time of the message (of the edit, for event 5). */
  timestamp: number;
  /** The text, HTML-unescaped (empty for stickers, voice and service messages). */
  text: string;
  /**
   * The author: `from` of `additional` in chats; the peer for incoming private messages; the
   * `ownerId` option for outgoing private ones (undefined without it, or without mode 2 in chats).
   */
  fromId: number | undefined;
  /** `title`, HTML-unescaped: the chat title, `" ... "` in private dialogs (deprecated by VK). */
  title?: string;
  /** `emoji`: the text contains emoji. */
  emoji: boolean;
  /** `from_admin`: the admin who wrote on behalf of a community. */
  fromAdmin?: number;
  /** The chat service action (`source_act` and its `source_*` keys). */
  action?: ServiceAction;
  /** `payload`: a button's payload (a JSON string). */
  payload?: string;
  /** `keyboard`: the keyboard attached to the message (parsed when VK sent a JSON string). */
  keyboard?: Record<string, unknown>;
  /** `has_template`: a carousel is attached. */
  hasTemplate?: boolean;
  /** `ref_source`. */
  refSource?: string;
  /** `expire_ttl`: seconds until a disappearing message is gone. */
  expireTtl?: number;
  /** `is_expired`. */
  isExpired?: boolean;
  /** Attachments from the `attach{i}*` keys, in index order. */
  attachments: UserAttachment[];
  /** `fwd`: forwarded messages (`raw` as VK sent it, `items` parsed from `a_b` pairs). */
  forwarded?: { raw: string; items: ForwardedRef[] };
  /** `reply`: the message replied to (`raw` JSON string, parsed `value`, its cmid). */
  reply?: { raw: string; value?: unknown; conversationMessageId?: number };
  /** `geo` and `geo_provider`. */
  geo?: { value: string; provider?: number };
  /** `attachments`: full API objects for some types (parsed when VK sent a JSON string). */
  fullAttachments?: unknown;
  /** `attachments_count`. */
  attachmentsCount?: number;
  /** `random_id` (mode 128; 0 for messages sent without one). */
  randomId?: number;
  /** Keys of the `additional` and attachments objects this decoder does not know, as VK sent them. */
  extra: Record<string, unknown>;
  /** Elements after the known ones, as VK sent them. */
  rest: unknown[];
}

/** What the content decoder needs to know about the event around it. */
export interface ContentContext {
  peerId: number | undefined;
  /** Whether the message is outgoing; undefined when the event carries a mask, not the flags. */
  outbox: boolean | undefined;
  /** The account the stream belongs to (user id or -group_id), for outgoing messages. */
  ownerId: number | undefined;
  /** Whether `random_id` is expected after the objects (mode 128). */
  randomId: boolean;
}

const ATTACH_KEY = /^attach(\d+)(?:_(.+))?$/;
const OWNER_ITEM = /^(-?\d+)_(\d+)(?:_([A-Za-z0-9]+))?$/;
const PAIR = /^(-?\d+)_(-?\d+)$/;

type Setter = (content: MessageContent, value: unknown) => boolean;

function str(apply: (content: MessageContent, value: string) => void): Setter {
  return (content, value) => {
    const text = asString(value);
    if (text === undefined) return false;
    apply(content, text);
    return true;
  };
}

function int(apply: (content: MessageContent, value: number) => void): Setter {
  return (content, value) => {
    const number = asInt(value);
    if (number === undefined) return false;
    apply(content, number);
    return true;
  };
}

function bool(apply: (content: MessageContent, value: boolean) => void): Setter {
  return (content, value) => {
    const flag = asBool(value);
    if (flag === undefined) return false;
    apply(content, flag);
    return true;
  };
}

function action(content: MessageContent): ServiceAction {
  content.action ??= { type: '' };
  return content.action;
}

/**
 * Known keys of the `additional` and attachments objects. A setter returns false when the value
 * has an unexpected type; the key then goes to `extra` instead of being dropped.
 */
const KEYS: Readonly<Record<string, Setter>> = {
  from: int((content, value) => {
    content.fromId = value;
  }),
  title: str((content, value) => {
    content.title = unescapeVkText(value);
  }),
  emoji: bool((content, value) => {
    content.emoji = value;
  }),
  from_admin: int((content, value) => {
    content.fromAdmin = value;
  }),
  payload: str((content, value) => {
    content.payload = value;
  }),
  keyboard: (content, value) => {
    const parsed = typeof value === 'string' ? parseJson(value)?.value : value;
    if (!isRecord(parsed)) return false;
    content.keyboard = parsed;
    return true;
  },
  has_template: bool((content, value) => {
    content.hasTemplate = value;
  }),
  ref_source: str((content, value) => {
    content.refSource = value;
  }),
  expire_ttl: int((content, value) => {
    content.expireTtl = value;
  }),
  is_expired: bool((content, value) => {
    content.isExpired = value;
  }),
  source_act: str((content, value) => {
    action(content).type = value;
  }),
  source_mid: int((content, value) => {
    action(content).memberId = value;
  }),
  source_text: str((content, value) => {
    action(content).text = unescapeVkText(value);
  }),
  source_old_text: str((content, value) => {
    action(content).oldText = unescapeVkText(value);
  }),
  source_message: str((content, value) => {
    action(content).message = unescapeVkText(value);
  }),
  source_chat_local_id: int((content, value) => {
    action(content).chatLocalId = value;
  }),
  fwd: str((content, raw) => {
    const items: ForwardedRef[] = [];
    for (const part of raw.split(',')) {
      const match = PAIR.exec(part.trim());
      if (match) items.push({ fromId: Number(match[1]), messageId: Number(match[2]) });
    }
    content.forwarded = { raw, items };
  }),
  reply: str((content, raw) => {
    const parsed = parseJson(raw);
    const reply: NonNullable<MessageContent['reply']> = { raw };
    if (parsed) {
      reply.value = parsed.value;
      const cmid = isRecord(parsed.value) ? asInt(parsed.value.conversation_message_id) : undefined;
      if (cmid !== undefined) reply.conversationMessageId = cmid;
    }
    content.reply = reply;
  }),
  geo: str((content, value) => {
    content.geo = { ...content.geo, value };
  }),
  geo_provider: int((content, provider) => {
    content.geo = { value: content.geo?.value ?? '', provider };
  }),
  attachments: (content, value) => {
    content.fullAttachments = typeof value === 'string' ? (parseJson(value)?.value ?? value) : value;
    return true;
  },
  attachments_count: int((content, value) => {
    content.attachmentsCount = value;
  }),
};

function attachmentAt(list: Map<number, UserAttachment>, index: number): UserAttachment {
  let attachment = list.get(index);
  if (!attachment) {
    attachment = { index, type: '', value: '', extra: {} };
    list.set(index, attachment);
  }
  return attachment;
}

function setAttachmentKey(attachment: UserAttachment, suffix: string | undefined, value: unknown): void {
  // Values are strings on the wire; a number (a sticker id, say) reads the same.
  const text = typeof value === 'number' ? String(value) : asString(value);
  switch (text === undefined ? '' : suffix) {
    case undefined:
      attachment.value = text ?? '';
      return;
    case 'type':
      attachment.type = text ?? '';
      return;
    case 'kind':
      attachment.kind = text;
      return;
    case 'product_id': {
      const id = asInt(value);
      if (id !== undefined) {
        attachment.productId = id;
        return;
      }
      break;
    }
    case 'url':
      attachment.url = text;
      return;
    case 'title':
      attachment.title = unescapeVkText(text ?? '');
      return;
    case 'desc':
      attachment.description = unescapeVkText(text ?? '');
      return;
    case 'photo':
      attachment.photo = text;
      return;
  }
  // A key we do not know, or a value of an unexpected type: kept under its suffix.
  attachment.extra[suffix ?? ''] = value;
}

function finishAttachment(attachment: UserAttachment): UserAttachment {
  const match = OWNER_ITEM.exec(attachment.value);
  if (match) {
    attachment.ownerId = Number(match[1]);
    attachment.itemId = Number(match[2]);
    if (match[3] !== undefined) attachment.accessKey = match[3];
    if (attachment.type !== '') attachment.attachment = `${attachment.type}${attachment.value}`;
  }
  return attachment;
}

/**
 * Decodes the elements of a message event after `peer_id`: `[timestamp, text, additional?,
 * attachments?, random_id?, ...]`. Objects and numbers are told apart by type rather than by
 * position, because without mode 2 the objects are absent and `random_id` moves up.
 * Returns undefined when the timestamp is missing (the event then has no content to decode).
 */
export function decodeMessageContent(
  elements: readonly unknown[],
  context: ContentContext,
): MessageContent | undefined {
  const timestamp = asInt(elements[0]);
  if (timestamp === undefined) return undefined;
  const text = elements[1];
  const content: MessageContent = {
    timestamp,
    text: typeof text === 'string' ? unescapeVkText(text) : '',
    fromId: undefined,
    emoji: false,
    attachments: [],
    extra: {},
    rest: [],
  };
  let index = 2;
  if (text !== undefined && typeof text !== 'string') {
    // Not a text: keep it rather than guess what it is.
    content.rest.push(text);
  }
  const attachments = new Map<number, UserAttachment>();
  let objects = 0;
  while (objects < 2 && isRecord(elements[index])) {
    for (const [key, value] of Object.entries(elements[index] as Record<string, unknown>)) {
      const attach = ATTACH_KEY.exec(key);
      if (attach) {
        setAttachmentKey(attachmentAt(attachments, Number(attach[1])), attach[2], value);
        continue;
      }
      const setter = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
      if (!setter?.(content, value) && !Object.hasOwn(content.extra, key)) content.extra[key] = value;
    }
    objects += 1;
    index += 1;
  }
  if (context.randomId) {
    const randomId = asInt(elements[index]);
    if (randomId !== undefined) {
      content.randomId = randomId;
      index += 1;
    }
  }
  content.rest.push(...elements.slice(index));
  content.attachments = [...attachments.values()].sort((a, b) => a.index - b.index).map(finishAttachment);
  if (content.fromId === undefined) {
    // Private dialogs carry no `from`: the author is the peer, or the account itself.
    if (context.outbox === true) content.fromId = context.ownerId;
    else if (context.outbox === false && context.peerId !== undefined && context.peerId <= CHAT_PEER_BASE)
      content.fromId = context.peerId;
  }
  return content;
}
