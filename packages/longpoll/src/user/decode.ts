import {
  CHAT_CHANGE_TYPES,
  type ChatChange,
  type ChatChangeNumbering,
  USER_EVENT_CODES,
  USER_PLATFORMS,
  type UserEventBodies,
  type UserEventCode,
  type UserEventMap,
  type UserLongPollEvent,
  type UserMessage,
} from './events.js';
import { decodeDialogFlags, decodeMessageFlags } from './flags.js';
import { type ContentContext, decodeMessageContent } from './message.js';
import { CHAT_PEER_BASE, describePeer } from './peer.js';
import { DEFAULT_USER_LONG_POLL_MODE, USER_LONG_POLL_MODE } from './server.js';
import { asBool, asInt, isRecord } from './values.js';

/** Options of `decodeUserUpdate`. */
export interface DecodeUserUpdateOptions {
  /**
   * The `mode` the updates were requested with: 64 decodes event 8's platform, 128 reads a
   * trailing number of message events as `random_id`.
   * @default DEFAULT_USER_LONG_POLL_MODE (202)
   */
  mode?: number;
  /** The account the stream belongs to (user id, or -group_id): the author of outgoing private messages. */
  ownerId?: number;
  /**
   * How to read event 52's `type_id` (sources disagree; see `CHAT_CHANGE_TYPES`).
   * @default 'vk_api'
   */
  chatChangeNumbering?: ChatChangeNumbering;
}

interface Context {
  mode: number;
  ownerId: number | undefined;
  numbering: ChatChangeNumbering;
}

type CodeTable = typeof USER_EVENT_CODES;

/**
 * Reads what an event of code `C` carries besides `type`, `code` and `raw`; undefined when required
 * elements are missing. The body's type follows from the code through `USER_EVENT_CODES`, so a
 * decoder cannot return the wrong type's body, and `type` is never written next to a code again.
 */
type Decoder<C extends UserEventCode> = (
  update: readonly unknown[],
  context: Context,
) => UserEventBodies[CodeTable[C]] | undefined;

function hasMode(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

function unknownEvent(
  raw: unknown,
  code: number | undefined,
  reason: UserEventBodies['unknown']['reason'],
): UserEventMap['unknown'] {
  return { type: 'unknown', code, raw, reason };
}

function peerRef(peerId: number): { peerId: number; peer: ReturnType<typeof describePeer> } {
  return { peerId, peer: describePeer(peerId) };
}

/** 1–3: `[code, message_id, flags|mask, peer_id?, timestamp?, text?, ...]`. */
function flagsChange(update: readonly unknown[], context: Context) {
  const messageId = asInt(update[1]);
  const value = asInt(update[2]);
  if (messageId === undefined || value === undefined) return undefined;
  const peerId = asInt(update[3]);
  const change: { messageId: number; peerId?: number; peer?: ReturnType<typeof describePeer> } & Pick<
    UserEventBodies['message_flags_set'],
    'message'
  > = { messageId };
  if (peerId !== undefined) {
    change.peerId = peerId;
    change.peer = describePeer(peerId);
    // Only event 1 carries the message's flags; 2 and 3 carry a mask, which says nothing of `outbox`.
    const outbox = update[0] === 1 ? decodeMessageFlags(value).outbox : undefined;
    const message = decodeMessageContent(update.slice(4), contentContext(context, peerId, outbox));
    if (message) change.message = message;
  }
  return { change, value };
}

function contentContext(context: Context, peerId: number, outbox: boolean | undefined): ContentContext {
  return {
    peerId,
    outbox,
    ownerId: context.ownerId,
    randomId: hasMode(context.mode, USER_LONG_POLL_MODE.randomId),
  };
}

/** 4, 5: `[code, message_id, flags, (minor_id,) peer_id, timestamp, text, additional?, attachments?, random_id?]`. */
function message(update: readonly unknown[], context: Context): UserMessage | undefined {
  const messageId = asInt(update[1]);
  const value = asInt(update[2]);
  if (messageId === undefined || value === undefined) return undefined;
  // Newer versions put a minor_id before the peer: then a JSON number, not the text (always a JSON
  // string, even when it reads "7"), follows the time. Decided by the JSON type, never by the look.
  const shifted =
    typeof update[3] === 'number' && typeof update[4] === 'number' && typeof update[5] === 'number';
  const minorId = shifted ? asInt(update[3]) : undefined;
  const at = shifted ? 4 : 3;
  const peerId = asInt(update[at]);
  if (peerId === undefined) return undefined;
  const flags = decodeMessageFlags(value);
  const content = decodeMessageContent(update.slice(at + 1), contentContext(context, peerId, flags.outbox));
  if (!content) return undefined;
  const decoded: UserMessage = { messageId, flags, peerId, peer: describePeer(peerId), ...content };
  if (minorId !== undefined) decoded.minorId = minorId;
  return decoded;
}

function peerAndNumber(update: readonly unknown[]): { peerId: number; value: number } | undefined {
  const peerId = asInt(update[1]);
  const value = asInt(update[2]);
  return peerId === undefined || value === undefined ? undefined : { peerId, value };
}

/** 61–64: who is doing something in a peer. */
function activity(update: readonly unknown[]): UserEventBodies['typing'] | undefined {
  const code = update[0];
  if (code === 61) {
    const userId = asInt(update[1]);
    if (userId === undefined) return undefined;
    return { ...peerRef(userId), userIds: [userId], totalCount: 1 };
  }
  if (code === 62) {
    const userId = asInt(update[1]);
    const chatId = asInt(update[2]);
    if (userId === undefined || chatId === undefined) return undefined;
    return { ...peerRef(CHAT_PEER_BASE + chatId), userIds: [userId], totalCount: 1, chatId };
  }
  // 63/64: sources disagree on whether user_ids or peer_id comes first. Find the array, and read
  // the numbers around it in order: peer_id, total_count, ts.
  const list = update.slice(1).find(Array.isArray) as unknown[] | undefined;
  if (!list) return undefined;
  const userIds = list.map(asInt).filter((id): id is number => id !== undefined);
  const numbers = update
    .slice(1)
    .filter((element) => !Array.isArray(element))
    .map(asInt);
  const peerId = numbers[0];
  if (peerId === undefined) return undefined;
  const body: UserEventBodies['typing'] = {
    ...peerRef(peerId),
    userIds,
    totalCount: numbers[1] ?? userIds.length,
  };
  if (peerId > CHAT_PEER_BASE) body.chatId = peerId - CHAT_PEER_BASE;
  if (numbers[2] !== undefined) body.timestamp = numbers[2];
  return body;
}

function chatChange(typeId: number, numbering: ChatChangeNumbering): ChatChange {
  const table: Readonly<Record<number, ChatChange>> = CHAT_CHANGE_TYPES[numbering];
  return table[typeId] ?? 'unknown';
}

const MEMBER_CHANGES: ReadonlySet<ChatChange> = new Set([
  'admin_added',
  'admin_removed',
  'member_joined',
  'member_left',
  'member_kicked',
]);

function platformName(platform: number): UserEventBodies['friend_online']['platformName'] {
  return Object.hasOwn(USER_PLATFORMS, platform)
    ? USER_PLATFORMS[platform as keyof typeof USER_PLATFORMS]
    : undefined;
}

// Keyed by every code of USER_EVENT_CODES: the compiler rejects a code without a decoder.
const DECODERS: { readonly [C in UserEventCode]: Decoder<C> } = {
  1: (update, context) => {
    const read = flagsChange(update, context);
    return read && { ...read.change, flags: decodeMessageFlags(read.value) };
  },
  2: (update, context) => {
    const read = flagsChange(update, context);
    return read && { ...read.change, mask: decodeMessageFlags(read.value) };
  },
  3: (update, context) => {
    const read = flagsChange(update, context);
    return read && { ...read.change, mask: decodeMessageFlags(read.value) };
  },
  4: (update, context) => {
    const decoded = message(update, context);
    return decoded && decoded;
  },
  5: (update, context) => {
    const decoded = message(update, context);
    return decoded && decoded;
  },
  6: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), localId: read.value };
  },
  7: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), localId: read.value };
  },
  8: (update, context) => {
    const userId = asInt(update[1]);
    if (userId === undefined) return undefined;
    const extra = asInt(update[2]) ?? 0;
    const body: UserEventBodies['friend_online'] = { userId: Math.abs(userId), extra };
    const platform = hasMode(context.mode, USER_LONG_POLL_MODE.extraOnline) ? extra % 256 : 0;
    if (platform > 0) {
      body.platform = platform;
      const name = platformName(platform);
      if (name) body.platformName = name;
    }
    const timestamp = asInt(update[3]);
    if (timestamp !== undefined) body.timestamp = timestamp;
    const appId = asInt(update[4]);
    if (appId !== undefined) body.appId = appId;
    return body;
  },
  9: (update) => {
    const userId = asInt(update[1]);
    if (userId === undefined) return undefined;
    const flags = asInt(update[2]) ?? 0;
    const body: UserEventBodies['friend_offline'] = {
      userId: Math.abs(userId),
      flags,
      timedOut: flags % 2 === 1,
    };
    const timestamp = asInt(update[3]);
    if (timestamp !== undefined) body.timestamp = timestamp;
    const appId = asInt(update[4]);
    if (appId !== undefined) body.appId = appId;
    return body;
  },
  10: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), mask: decodeDialogFlags(read.value) };
  },
  11: (update) => {
    const read = peerAndNumber(update);
    return (
      read && {
        ...peerRef(read.peerId),
        flags: decodeDialogFlags(read.value),
      }
    );
  },
  12: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), mask: decodeDialogFlags(read.value) };
  },
  13: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), localId: read.value };
  },
  14: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), localId: read.value };
  },
  20: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), majorId: read.value };
  },
  21: (update) => {
    const read = peerAndNumber(update);
    return read && { ...peerRef(read.peerId), minorId: read.value };
  },
  51: (update) => {
    const chatId = asInt(update[1]);
    if (chatId === undefined) return undefined;
    const body: UserEventBodies['chat_changed'] = { ...peerRef(CHAT_PEER_BASE + chatId), chatId };
    const self = asBool(update[2]);
    if (self !== undefined) body.self = self;
    return body;
  },
  52: (update, context) => {
    const typeId = asInt(update[1]);
    const peerId = asInt(update[2]);
    if (typeId === undefined || peerId === undefined) return undefined;
    const change = chatChange(typeId, context.numbering);
    const body: UserEventBodies['chat_info_changed'] = { ...peerRef(peerId), typeId, change };
    const info = asInt(update[3]);
    if (info !== undefined) {
      body.info = info;
      if (MEMBER_CHANGES.has(change)) body.memberId = info;
      if (change === 'pin') body.conversationMessageId = info;
    }
    return body;
  },
  61: (update) => {
    const body = activity(update);
    return body && body;
  },
  62: (update) => {
    const body = activity(update);
    return body && body;
  },
  63: (update) => {
    const body = activity(update);
    return body && body;
  },
  64: (update) => {
    const body = activity(update);
    return body && body;
  },
  70: (update) => {
    const userId = asInt(update[1]);
    const callId = update[2];
    if (userId === undefined || (typeof callId !== 'number' && typeof callId !== 'string')) return undefined;
    return { userId, callId };
  },
  80: (update) => {
    const count = asInt(update[1]);
    return count === undefined ? undefined : { count, rest: update.slice(2) };
  },
  114: (update) => {
    // Mode 8 sends one object; without it the values come as elements. Look at what came.
    const object = isRecord(update[1]) ? update[1] : undefined;
    const { peer_id: peerValue, sound: soundValue, disabled_until: untilValue, ...extra } = object ?? {};
    const peerId = asInt(object ? peerValue : update[1]);
    const sound = asBool(object ? soundValue : update[2]);
    const disabledUntil = asInt(object ? untilValue : update[3]);
    if (peerId === undefined) return undefined;
    return {
      ...peerRef(peerId),
      sound: sound ?? true,
      disabledUntil: disabledUntil ?? 0,
      muted: (disabledUntil ?? 0) !== 0,
      form: object ? 'object' : 'positional',
      extra,
    };
  },
};

/**
 * Decodes one User Long Poll (version 3) update array into a typed event. Never throws and never
 * drops: an unknown code, or a known one whose required elements are missing, becomes
 * `{ type: 'unknown', code, raw, reason }`. Extra elements are tolerated (and kept in `raw`).
 *
 * @example
 * const event = decodeUserUpdate([4, 905112, 33, 487261935, 1748763101, 'Hi&amp;bye', {}, {}, 0]);
 * if (event.type === 'message_new') event.text; // 'Hi&bye'
 */
export function decodeUserUpdate(update: unknown, options: DecodeUserUpdateOptions = {}): UserLongPollEvent {
  if (!Array.isArray(update)) return unknownEvent(update, undefined, 'malformed');
  const code = asInt(update[0]);
  if (code === undefined) return unknownEvent(update, undefined, 'malformed');
  if (!Object.hasOwn(DECODERS, code)) return unknownEvent(update, code, 'unknown_code');
  const known = code as UserEventCode;
  const decoder = DECODERS[known] as Decoder<UserEventCode>;
  const context: Context = {
    mode: options.mode ?? DEFAULT_USER_LONG_POLL_MODE,
    ownerId: options.ownerId,
    numbering: options.chatChangeNumbering ?? 'vk_api',
  };
  try {
    const body = decoder(update, context);
    if (!body) return unknownEvent(update, code, 'malformed');
    // `type` comes from the one table; the body's type was checked against it in DECODERS.
    return { type: USER_EVENT_CODES[known], code: known, raw: update, ...body } as UserLongPollEvent;
  } catch {
    // The decoders do not throw on any input we know of; this keeps the promise for inputs we don't.
    return unknownEvent(update, code, 'malformed');
  }
}

/**
 * The peer an event belongs to, for per-conversation ordering: the message or dialog peer; the
 * friend for 8/9 and the caller for 70; undefined for account-wide events (80, unknown).
 */
export function userEventPeerId(event: UserLongPollEvent): number | undefined {
  switch (event.type) {
    case 'friend_online':
    case 'friend_offline':
    case 'call':
      return event.userId;
    case 'unread_count':
    case 'unknown':
      return undefined;
    default:
      return event.peerId;
  }
}
