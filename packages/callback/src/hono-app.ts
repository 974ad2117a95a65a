import type { Stoppable } from '@vkwire/core';
import { type Handler, Hono } from 'hono';
import { type CallbackReceiverOptions, pathOption } from './options.js';
import { type RawHeaders, webReceiver } from './web.js';

/** Options of {@link createCallbackHandler}. */
export interface CallbackHandlerOptions extends CallbackReceiverOptions {
  /** Path the endpoint answers at; a query string VK appends is fine. @default '/callback' */
  path?: string;
}

/** The hono app of {@link createCallbackHandler}, with `stop()`. */
export type CallbackApp = Hono & Stoppable;

/** The route handler of {@link callbackRoute}, with `stop()`. */
export type CallbackRoute = Handler & Stoppable;

/**
 * A hono app answering VK's Callback API at `path`: confirmation, secret check, validation,
 * deduplication by `event_id`, and `ok` only once `onUpdate` resolved. Web standards only, so
 * `app.fetch(request)` works on Node, Bun, Deno and Workers; mount it into another hono app with
 * `parent.route('/vk', app)`. `app.stop()` stops taking updates (503 + `Retry-After`), waits up to
 * `stopTimeoutMs` for running handlers and aborts the rest.
 *
 * @example
 * import { createCallbackHandler } from '@vkwire/callback/hono';
 * const app = createCallbackHandler({
 *   groups: [{ groupId: 218734561, secret: process.env.VK_SECRET!, confirmation: 'a1b2c3d4' }],
 *   onUpdate: async (update, { retryCounter }) => {
 *     if (isUpdateOf(update, 'message_new')) await queue.push(update.object.message);
 *   },
 * });
 * export default app; // Bun, Workers; or serveCallback({...}) on Node
 */
export function createCallbackHandler(options: CallbackHandlerOptions): CallbackApp {
  const path = pathOption('createCallbackHandler', options?.path);
  const app = new Hono();
  const route = routeFor('createCallbackHandler', options);
  app.all(path, route);
  return Object.assign(app, { stop: route.stop });
}

/**
 * The endpoint as a hono route handler, for any route of an existing app; `route.stop()` stops it.
 *
 * @example
 * const app = new Hono();
 * const route = callbackRoute({ groups, onUpdate });
 * app.post('/hooks/vk', route);
 * process.once('SIGTERM', () => route.stop());
 */
export function callbackRoute(options: CallbackReceiverOptions): CallbackRoute {
  return routeFor('callbackRoute', options);
}

function routeFor(component: string, options: CallbackReceiverOptions): CallbackRoute {
  const { receive, stop } = webReceiver(component, options);
  // On @hono/node-server the env carries Node's request: its headers are read as they are.
  const route: Handler = (c) =>
    receive(c.req.raw, (c.env as { incoming?: { headers?: RawHeaders } } | undefined)?.incoming?.headers);
  return Object.assign(route, { stop });
}
