import { type Handler, Hono } from 'hono';
import type { CallbackReceiverOptions } from './receiver.js';
import { type RawHeaders, webReceiver } from './web.js';

/** Options of {@link createCallbackHandler}. */
export interface CallbackHandlerOptions extends CallbackReceiverOptions {
  /** Path the endpoint answers at; a query string VK appends is fine. @default '/callback' */
  path?: string;
}

/**
 * A hono app answering VK's Callback API at `path`: confirmation, secret check, validation,
 * deduplication by `event_id`, and `ok` only once `onUpdate` resolved. Web standards only, so
 * `app.fetch(request)` works on Node, Bun, Deno and Workers; mount it into another hono app with
 * `parent.route('/vk', app)`.
 *
 * @example
 * const app = createCallbackHandler({
 *   groups: [{ groupId: 218734561, secret: process.env.VK_SECRET!, confirmation: 'a1b2c3d4' }],
 *   onUpdate: async (update, { retryCounter }) => {
 *     if (isUpdateOf(update, 'message_new')) await queue.push(update.object.message);
 *   },
 * });
 * export default app; // Bun, Workers; or serveCallback({...}) on Node
 */
export function createCallbackHandler(options: CallbackHandlerOptions): Hono {
  const app = new Hono();
  const route = callbackRoute(options);
  app.all(options.path ?? '/callback', route);
  return app;
}

/**
 * The endpoint as a hono route handler, for any route of an existing app.
 *
 * @example
 * const app = new Hono();
 * app.post('/hooks/vk', callbackRoute({ groups, onUpdate }));
 */
export function callbackRoute(options: CallbackReceiverOptions): Handler {
  const receive = webReceiver(options);
  // On @hono/node-server the env carries Node's request: its headers are read as they are.
  return (c) =>
    receive(c.req.raw, (c.env as { incoming?: { headers?: RawHeaders } } | undefined)?.incoming?.headers);
}
