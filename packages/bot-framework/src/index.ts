// The bot: communities, transports (long poll, Callback API, any source), lifecycle

export * from './args/index.js';
export {
  Bot,
  type BotConversationOptions,
  type BotOptions,
  type BotWebhook,
  type CommunityOptions,
  type ContextConstructor,
  type ServeOptions,
  type WebhookOptions,
} from './bot.js';
export { BotBase, type BotBaseOptions, type BotEvents, type LifecycleHook } from './bot-base.js';
// Checks: cooldowns, concurrency, chat admins, allow-lists, custom, any/all
export * from './checks/index.js';
// Commands and their typed arguments
export type {
  ArgumentErrorPolicy,
  CommandContext,
  CommandInfo,
  CommandOptions,
} from './commands/command.js';
export type { CommandCall, CommandSettings } from './commands/parse.js';
// The middleware tree, routers, and the context types filters narrow to
export {
  type ButtonContext,
  Composer,
  type ErrorHandler,
  type HearsTrigger,
  type PayloadQuery,
} from './composer.js';
// Contexts: what handlers get
export {
  BaseContext,
  type CommandMatch,
  Context,
  type EditInput,
  type KeyboardLike,
  type MessageOf,
  type MessageView,
  type ReplyInput,
  type SendOptions,
} from './context.js';
// Errors
export { BotMiddlewareError, BotStateError, type BotStateErrorCode } from './errors.js';
export type {
  ChatAction,
  ChatActionContext,
  ChatActionType,
  Filtered,
  HearsContext,
  MessageContext,
  MessageUpdateType,
  QueryType,
  UpdateQuery,
} from './filters.js';
export { CHAT_ACTION_FIELDS } from './filters.js';
// Keyboards, carousels, typed callback data, payloads
export * from './keyboard/index.js';
export type { Handler, Middleware, MiddlewareFn, MiddlewareObj, NextFunction } from './middleware.js';
export { Router, type RouterHook, type RouterOptions } from './router.js';
// Bot state: sessions, FSMs, state keys and locks
export * from './state/index.js';
// Views: messages with callback buttons bound to handlers and state
export * from './state/view/index.js';
// Waiting for a user's next update: ctx.waitFor
export * from './state/wait/index.js';
// Background tasks
export type { TaskContext, TaskFunction, TaskOptions } from './tasks.js';
// A user account's bot over User Long Poll
export { UserBot, type UserBotOptions } from './user-bot.js';
export { UserContext } from './user-context.js';
