// The endpoint as a hono app, or a route handler for an existing app (hono is a peer dependency)
export {
  type CallbackApp,
  type CallbackHandlerOptions,
  type CallbackRoute,
  callbackRoute,
  createCallbackHandler,
} from './hono-app.js';
