// Starting a sandbox and its handle

// The Callback API pusher: options and inspection records
export type {
  CallbackAttemptRecord,
  CallbackDeliveryFilter,
  CallbackDeliveryRecord,
  CallbackDeliveryStatus,
  CallbackPusherOptions,
  SandboxCallback,
} from './callback/pusher.js';
// Faults and rate limits
export type { FaultAction, FaultHandle, FaultOptions, FaultTarget } from './faults.js';
export type { FeedItem, FeedListener } from './feed.js';
export type { SandboxOptions } from './options.js';
export type { RateLimitOptions, TokenRateStats } from './rate-limit.js';
export {
  type BulkMessagesOptions,
  type CreateChatOptions,
  createSandbox,
  Sandbox,
  type SandboxFaults,
  type SandboxFeedHandle,
  type SandboxGroup,
  type SandboxUpdate,
  type SentFilter,
  type SentMessage,
  type WallPostOptions,
} from './sandbox.js';
export type { SimAttachment } from './simulation/attachments-input.js';
export { type ChatActionOptions, SimChat } from './simulation/chat.js';
// Simulated users and chats
export { type SendOptions, type SentByUser, SimUser, type TypingOptions } from './simulation/user.js';
export type { ApiCallRecord, EventAnswerRecord } from './state.js';
// Protocol constants
export {
  CALLBACK_EVENT_FLAGS,
  type CallbackEventFlag,
  LONG_POLL_EVENT_FLAGS,
  type LongPollEventFlag,
} from './world/event-types.js';
// World options and inspection records
export type { GroupOptions, UserOptions } from './world/world.js';
