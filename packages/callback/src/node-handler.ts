import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StopResult } from '@vkwire/core';
import { NodeDelivery, respond } from './node-delivery.js';
import type { CallbackReceiverOptions } from './options.js';
import { buildReceiver } from './receiver.js';

/** A Node request handler, as node:http and express take it, with `stop()`. */
export interface NodeCallbackHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /**
   * Stops taking updates (new requests get 503 + `Retry-After`, so VK redelivers them), waits up
   * to `stopTimeoutMs` for running handlers, then aborts the rest through their `signal` and
   * discards their outcomes. Resolves with how many were abandoned; the same promise every call.
   * Closing your server stays yours.
   */
  stop(): Promise<StopResult>;
}

/**
 * The endpoint as a Node `(req, res)` handler for node:http, express, fastify's raw mode and the
 * like. It answers on whatever path it is mounted at. Mount it before body parsers; if one ran
 * already (`express.json()`), the parsed `req.body` is used.
 *
 * @example
 * import { createNodeCallbackHandler } from '@vkwire/callback/node';
 * const handler = createNodeCallbackHandler({ groups, onUpdate });
 * expressApp.post('/vk', handler);
 * process.once('SIGTERM', async () => { await handler.stop(); httpServer.close(); });
 */
export function createNodeCallbackHandler(options: CallbackReceiverOptions): NodeCallbackHandler {
  const receiver = buildReceiver('createNodeCallbackHandler', options);
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const secure = (request.socket as { encrypted?: boolean }).encrypted === true;
    respond(receiver, new NodeDelivery(request, secure), response);
  };
  return Object.assign(handler, { stop: receiver.stop });
}
