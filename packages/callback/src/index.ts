// AutoSetting: register and configure the callback server through the API
export {
  type ConfigureCallbackServerOptions,
  type ConfigureCallbackServerResult,
  configureCallbackServer,
} from './auto-setting.js';
// Deduplication of VK's redeliveries by event_id (pluggable: redis-bridge provides a shared store)
export {
  type CallbackDedupeStore,
  type DedupeClaim,
  MemoryDedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.js';
// Explicit answers from a handler, and errors
export {
  CallbackConfigError,
  type CallbackReply,
  CallbackSetupError,
  type CallbackSetupErrorCode,
  removeServer,
  retryLater,
} from './errors.js';
// The communities served and their keys
export { type CallbackGroupConfig, CallbackGroups, secretMatches } from './groups.js';
// The endpoint as a hono app, or a route handler for an existing app
export { type CallbackHandlerOptions, callbackRoute, createCallbackHandler } from './handler.js';
// Node: a standalone server, and a (req, res) handler for node:http and express
export {
  type CallbackServer,
  createNodeCallbackHandler,
  type NodeCallbackHandler,
  type ServeCallbackOptions,
  serveCallback,
} from './node.js';
// What a handler gets, and the options every entry point shares
export type {
  CallbackContext,
  CallbackReceiverOptions,
  CallbackRejection,
  CallbackUpdateHandler,
} from './receiver.js';
// The endpoint as a web-standard fetch function (Workers, Deno, Bun)
export { createCallbackReceiver } from './web.js';
