// Bots Long Poll: the client, its options and handler types

export type {
  AnswerOptions,
  LongPollAnswerContext,
  LongPollAnswerHandler,
  LongPollCheckpoint,
  LongPollClient,
  LongPollClientOptions,
  LongPollContext,
  LongPollHandler,
} from './client.js';
// What the poll reports: possible gaps, errors
export type { LongPollGap } from './engine.js';
export {
  LongPollFailedError,
  LongPollMalformedUpdateError,
  LongPollRefusedError,
  LongPollStateError,
  LongPollTransportError,
} from './errors.js';
export { GroupLongPoll, type GroupLongPollOptions } from './group-longpoll.js';
// Long Poll settings of a community
export { type EnsureSettingsResult, ensureLongPollSettings } from './settings.js';
// User Long Poll: decoding v3 update arrays into typed events
export { type DecodeUserUpdateOptions, decodeUserUpdate, userEventPeerId } from './user/decode.js';
// User Long Poll: the event map and the types derived from it
export {
  CHAT_CHANGE_TYPES,
  type ChatChange,
  type ChatChangeNumbering,
  USER_EVENT_CODES,
  USER_PLATFORMS,
  type UserEventBase,
  type UserEventBodies,
  type UserEventCode,
  type UserEventCodeOf,
  type UserEventHandler,
  type UserEventHandlers,
  type UserEventMap,
  type UserEventType,
  type UserLongPollEvent,
  type UserMessage,
  type UserPlatform,
} from './user/events.js';
// User Long Poll: message and dialog flags
export {
  type DecodedFlags,
  DIALOG_FLAGS,
  type DialogFlagName,
  type DialogFlags,
  decodeDialogFlags,
  decodeMessageFlags,
  MESSAGE_FLAGS,
  type MessageFlagName,
  type MessageFlags,
} from './user/flags.js';
// User Long Poll: message content (additional, attachments, service actions)
export type {
  ForwardedRef,
  MessageContent,
  ServiceAction,
  ServiceActionType,
  UserAttachment,
  UserAttachmentType,
} from './user/message.js';
// User Long Poll: peer ids
export {
  CHAT_PEER_BASE,
  chatPeerId,
  describePeer,
  LEGACY_COMMUNITY_PEER_BASE,
  type PeerInfo,
  type PeerOptions,
  type PeerType,
  peerType,
} from './user/peer.js';
// User Long Poll: server setup (mode, version, a_check answers, URLs)
export {
  DEFAULT_USER_LONG_POLL_MODE,
  type LongPollServerUrlOptions,
  longPollServerUrl,
  parseUserLongPollAnswer,
  USER_LONG_POLL_MODE,
  USER_LONG_POLL_VERSION,
  type UserLongPollAnswer,
  type UserLongPollCheck,
  userLongPollCheckUrl,
} from './user/server.js';
// User Long Poll: HTML-unescaping of texts
export { unescapeVkText } from './user/text.js';
// User Long Poll: the client and its options
export { UserLongPoll, type UserLongPollOptions } from './user-longpoll.js';
