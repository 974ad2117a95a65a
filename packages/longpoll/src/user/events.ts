import type { LongPollHandler } from '../client.js';
import type { DialogFlags, MessageFlags } from './flags.js';
import type { MessageContent } from './message.js';
import type { PeerInfo } from './peer.js';

/**
 * User Long Poll (version 3) event codes and the `type` each decodes to. The one place codes and
 * names meet: the event types below and the decoder both derive from it.
 */
export const USER_EVENT_CODES = {
  1: 'message_flags_replace',
  2: 'message_flags_set',
  3: 'message_flags_reset',
  4: 'message_new',
  5: 'message_edit',
  6: 'read_in',
  7: 'read_out',
  8: 'friend_online',
  9: 'friend_offline',
  10: 'dialog_flags_reset',
  11: 'dialog_flags_replace',
  12: 'dialog_flags_set',
  13: 'messages_deleted',
  14: 'messages_restored',
  20: 'dialog_major_id',
  21: 'dialog_minor_id',
  51: 'chat_changed',
  52: 'chat_info_changed',
  61: 'typing',
  62: 'typing',
  63: 'typing',
  64: 'voice_recording',
  70: 'call',
  80: 'unread_count',
  114: 'notification_settings',
} as const;

/** A User Long Poll event code this package decodes. */
export type UserEventCode = keyof typeof USER_EVENT_CODES;

/** The platform numbers of event 8 (`extra & 0xFF` with mode 64). */
export const USER_PLATFORMS = {
  1: 'mobile_web',
  2: 'iphone',
  3: 'ipad',
  4: 'android',
  5: 'windows_phone',
  6: 'windows',
  7: 'web',
} as const;

/** A platform name of event 8. */
export type UserPlatform = (typeof USER_PLATFORMS)[keyof typeof USER_PLATFORMS];

/** What an event 52 says changed in a chat. */
export type ChatChange =
  | 'title'
  | 'photo'
  | 'admin_added'
  | 'settings'
  | 'pin'
  | 'member_joined'
  | 'member_left'
  | 'member_kicked'
  | 'admin_removed'
  | 'keyboard'
  | 'unknown';

/**
 * The two readings of event 52's `type_id` found in the sources. Neither is confirmed by VK:
 * `vk_api` (shared by the unofficial protocol notes) has a "settings" entry at 4, `vksdk` does not,
 * so the two disagree from 4 on. The decoder uses `vk_api` unless told otherwise, and always keeps
 * the raw `typeId`. Prefer the `source_act` of event 4 for chat changes where you can.
 */
export const CHAT_CHANGE_TYPES = {
  vk_api: {
    1: 'title',
    2: 'photo',
    3: 'admin_added',
    4: 'settings',
    5: 'pin',
    6: 'member_joined',
    7: 'member_left',
    8: 'member_kicked',
    9: 'admin_removed',
    11: 'keyboard',
  },
  vksdk: {
    1: 'title',
    2: 'photo',
    3: 'admin_added',
    4: 'pin',
    5: 'member_joined',
    6: 'member_left',
    7: 'member_kicked',
    8: 'admin_removed',
  },
} as const satisfies Record<string, Readonly<Record<number, ChatChange>>>;

/** Which reading of event 52's `type_id` to use. */
export type ChatChangeNumbering = keyof typeof CHAT_CHANGE_TYPES;

/** A message event (4, 5): the message id, flags, peer and content. */
export interface UserMessage extends MessageContent {
  /** The message id in the account's mailbox (0 for a community in group chats). */
  messageId: number;
  /** The message flags decoded (event 5: the flags after the edit). */
  flags: MessageFlags;
  /** The peer (user id, 2000000000 + chat id, or -group_id). */
  peerId: number;
  /** What `peerId` names. */
  peer: PeerInfo;
  /**
   * `minor_id`, when the event carries one between the flags and the peer (newer versions do;
   * v3 does not). Told apart by the element types, not by position.
   */
  minorId?: number;
}

/** Events 1–3: a message's flags changed; the message content comes along when VK sends it. */
interface FlagsChange {
  messageId: number;
  /** The peer, when VK sends it (it usually does). */
  peerId?: number;
  /** What `peerId` names. */
  peer?: PeerInfo;
  /** The message content, when VK sends the full set (for example when a message is restored). */
  message?: MessageContent;
}

/** A peer and what it names. */
interface PeerRef {
  /** The peer id. */
  peerId: number;
  /** What `peerId` names. */
  peer: PeerInfo;
}

/** Events 61–64: who is typing or recording in a peer. */
interface Activity extends PeerRef {
  /** The users (1 for events 61 and 62). */
  userIds: number[];
  /** How many users in all (events 63/64; the length of `userIds` otherwise). */
  totalCount: number;
  /** The chat id, for chat peers. */
  chatId?: number;
  /** The time VK put in events 63/64. */
  timestamp?: number;
}

/**
 * What each event type carries besides `type`, `code` and `raw`. Ids that VK sends negative
 * (friends' user ids in 8/9) are given positive; every other VK value keeps its meaning.
 */
export interface UserEventBodies {
  /** 1: the message's flags are now `flags`. */
  message_flags_replace: FlagsChange & { flags: MessageFlags };
  /** 2: the bits of `mask` were set (e.g. `deleted`, `spam`). */
  message_flags_set: FlagsChange & { mask: MessageFlags };
  /** 3: the bits of `mask` were reset (e.g. `unread`: the message was read). */
  message_flags_reset: FlagsChange & { mask: MessageFlags };
  /** 4: a new message (incoming or outgoing: see `flags.outbox`). */
  message_new: UserMessage;
  /** 5: a message was edited. */
  message_edit: UserMessage;
  /** 6: incoming messages in the peer up to `localId` were read (by the account). */
  read_in: PeerRef & { localId: number };
  /** 7: outgoing messages in the peer up to `localId` were read by the other side. */
  read_out: PeerRef & { localId: number };
  /** 8: a friend came online. */
  friend_online: {
    /** The friend (positive; VK sends it negated). */
    userId: number;
    /** The `extra` element as VK sent it. */
    extra: number;
    /** `extra & 0xFF` with mode 64 (undefined without it, or when 0). */
    platform?: number;
    /** The name of `platform`, when it is one VK documents. */
    platformName?: UserPlatform;
    /** Unix time of the friend's last action. */
    timestamp?: number;
    /** A 5th element: the app id some sources read there. */
    appId?: number;
  };
  /** 9: a friend went offline. */
  friend_offline: {
    /** The friend (positive; VK sends it negated). */
    userId: number;
    /** The `flags` element: 0 left, 1 timed out. */
    flags: number;
    /** Offline by timeout (away) rather than by leaving. */
    timedOut: boolean;
    /** Unix time of the friend's last action. */
    timestamp?: number;
    /** A 5th element: the app id some sources read there. */
    appId?: number;
  };
  /** 10: dialog flags in `mask` were reset (community dialogs). */
  dialog_flags_reset: PeerRef & { mask: DialogFlags };
  /** 11: the dialog's flags are now `flags` (community dialogs). */
  dialog_flags_replace: PeerRef & { flags: DialogFlags };
  /** 12: dialog flags in `mask` were set (community dialogs). */
  dialog_flags_set: PeerRef & { mask: DialogFlags };
  /** 13: messages of the peer up to `localId` were deleted. */
  messages_deleted: PeerRef & { localId: number };
  /** 14: messages of the peer up to `localId` were restored. */
  messages_restored: PeerRef & { localId: number };
  /** 20: the dialog's major sort id changed (e.g. pinned). */
  dialog_major_id: PeerRef & { majorId: number };
  /** 21: the dialog's minor sort id changed. */
  dialog_minor_id: PeerRef & { minorId: number };
  /** 51: a chat's members or title changed (deprecated by VK in favour of 52). */
  chat_changed: PeerRef & {
    chatId: number;
    /** The account itself caused it. */
    self?: boolean;
  };
  /** 52: something in a chat changed. */
  chat_info_changed: PeerRef & {
    /** `type_id` as VK sent it. */
    typeId: number;
    /** `typeId` read with the chosen numbering (see `CHAT_CHANGE_TYPES`). */
    change: ChatChange;
    /** The `info` element as VK sent it. */
    info?: number;
    /** `info` as a member id, for the member and admin changes. */
    memberId?: number;
    /** `info` as the pinned message's cmid, for `pin` (0: unpinned). */
    conversationMessageId?: number;
  };
  /** 61 (private), 62 (chat), 63 (many users): typing. */
  typing: Activity;
  /** 64: recording a voice message. */
  voice_recording: Activity;
  /** 70: a call. */
  call: { userId: number; callId: number | string };
  /** 80: the unread dialogs counter changed. */
  unread_count: {
    count: number;
    /** Further counters newer versions append, as VK sent them. */
    rest: unknown[];
  };
  /** 114: a peer's notification settings changed. */
  notification_settings: PeerRef & {
    /** Sound on. */
    sound: boolean;
    /** -1 muted forever, 0 enabled, else the unix time notifications come back. */
    disabledUntil: number;
    /** Notifications are off now (`disabledUntil` is not 0). */
    muted: boolean;
    /** Which form VK sent: elements, or one object (mode 8). */
    form: 'positional' | 'object';
    /** Other keys of the object form, as VK sent them. */
    extra: Record<string, unknown>;
  };
  /** An event this package does not know, or one it could not read: kept, never dropped. */
  unknown: {
    /** `unknown_code`: a code this package does not decode; `malformed`: required elements were missing. */
    reason: 'unknown_code' | 'malformed';
  };
}

type CodeTable = typeof USER_EVENT_CODES;

/** The codes that decode to event type `T`. */
export type UserEventCodeOf<T> = {
  [C in keyof CodeTable]: CodeTable[C] extends T ? C : never;
}[keyof CodeTable];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The fields every event has. */
export interface UserEventBase<K extends keyof UserEventBodies> {
  /** The event type (a name of `UserEventMap`). */
  type: K;
  /** The event code VK sent (`undefined` for an unknown event whose first element is not a number). */
  code: K extends 'unknown' ? number | undefined : UserEventCodeOf<K>;
  /** The update exactly as VK sent it. */
  raw: K extends 'unknown' ? unknown : readonly unknown[];
}

/**
 * Event type → decoded event. The source of every User Long Poll type: the union, handler types
 * and `UserEventType` all derive from it.
 */
export type UserEventMap = {
  [K in keyof UserEventBodies]: Simplify<UserEventBase<K> & UserEventBodies[K]>;
};

/** A decoded event type name. */
export type UserEventType = keyof UserEventMap;

/** Any decoded User Long Poll event; narrow it on `type`. */
export type UserLongPollEvent = UserEventMap[UserEventType];

/** A handler of one event type (or of any event), with the long poll context. */
export type UserEventHandler<K extends UserEventType = UserEventType> = LongPollHandler<UserEventMap[K]>;

/** Handlers by event type, as a `UserLongPoll` will take them. */
export type UserEventHandlers = { [K in UserEventType]?: UserEventHandler<K> };
