// Durable conversations: one async function per flow, kept as a replayable log in a KeyValueStore
export {
  type ConversationControl,
  type ConversationEndHook,
  type ConversationEntered,
  type ConversationOutcome,
  Conversations,
  type ConversationsFlavor,
  type ConversationsOptions,
  conversations,
} from './conversations.js';
export {
  ConversationError,
  type ConversationErrorCode,
  ConversationExternalError,
  ConversationTimeoutError,
} from './errors.js';
export type { Conversation, ConversationFn, ConversationWaitFilter, ConversationWaitOptions } from './run.js';
