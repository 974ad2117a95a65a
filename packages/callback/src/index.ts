// The web entry: web standards only (no node:* and no hono), so it bundles for Workers and browsers.
// Node's server and handler are in '@vkwire/callback/node', the hono app in '@vkwire/callback/hono'.

// From @vkwire/core, for the options: deduplication of VK's redeliveries by event_id (redis-bridge
// provides a shared store), the result of stop(), and the error every bad option throws
export {
  type DedupeClaim,
  type DedupeStore,
  MemoryDedupeStore,
  type StopResult,
  VkwireConfigError,
} from '@vkwire/core';
// AutoSetting: register and configure the callback server through the API
export {
  type ConfigureCallbackServerOptions,
  type ConfigureCallbackServerResult,
  configureCallbackServer,
} from './auto-setting.js';
// What a handler gets and may return
export type { CallbackContext, CallbackHandlerResult, CallbackUpdateHandler } from './context.js';
// Explicit answers from a handler, and errors
export {
  CallbackDeadlineError,
  type CallbackReply,
  CallbackSetupError,
  type CallbackSetupErrorCode,
  removeServer,
  retryLater,
} from './errors.js';
// The communities served and their keys
export { type CallbackGroupConfig, CallbackGroups, secretMatches } from './groups.js';
// The options every entry point shares, and why a request was refused
export type { CallbackReceiverOptions, CallbackRejection } from './options.js';
// The endpoint as a web-standard fetch function with stop() (Workers, Deno, Bun)
export { type CallbackReceiver, createCallbackReceiver } from './web.js';
