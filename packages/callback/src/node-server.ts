import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type StopResult, VkwireConfigError } from '@vkwire/core';
import { reply } from './delivery.js';
import { NodeDelivery, respond, write } from './node-delivery.js';
import { type CallbackReceiverOptions, pathOption } from './options.js';
import { buildReceiver } from './receiver.js';

/** Options of {@link serveCallback}: the receiver's, plus where to listen. */
export interface ServeCallbackOptions extends CallbackReceiverOptions {
  /** Path the endpoint answers at (other paths get 404); a query string VK appends is fine. @default '/callback' */
  path?: string;
  /** @default 0 (an ephemeral port; read it from `url`) */
  port?: number;
  /** @default '127.0.0.1' (use '0.0.0.0' to accept VK's requests from outside) */
  hostname?: string;
  /** Serve HTTPS with this key and certificate (VK requires HTTPS from a public CA; client certificates work too). */
  tls?: Pick<
    HttpsServerOptions,
    'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'requestCert' | 'rejectUnauthorized'
  >;
}

/** A running callback server. */
export interface CallbackServer {
  /** The endpoint's URL, e.g. `http://127.0.0.1:38211/callback`. */
  readonly url: string;
  /** The underlying node:http (or https) server. */
  readonly server: Server;
  /**
   * Stops taking updates (requests still arriving get 503 + `Retry-After`, so VK redelivers
   * them), waits up to `stopTimeoutMs` for running handlers, aborts the rest through their
   * `signal` and discards their outcomes, answers what is in flight, then closes the server and
   * its connections. Resolves with how many handlers were abandoned; the same promise every call.
   */
  stop(): Promise<StopResult>;
}

const NOT_FOUND = reply(404, 'not found');

/**
 * Starts a standalone Node server for the Callback API endpoint.
 *
 * @example
 * import { serveCallback } from '@vkwire/callback/node';
 * const server = await serveCallback({
 *   groups: [{ groupId, secret, confirmation }],
 *   onUpdate: (update) => queue.push(update),
 *   port: 8080,
 *   hostname: '0.0.0.0',
 * });
 * process.once('SIGTERM', () => server.stop());
 */
export async function serveCallback(options: ServeCallbackOptions): Promise<CallbackServer> {
  const receiver = buildReceiver('serveCallback', options);
  const path = pathOption('serveCallback', options.path);
  const port = options.port ?? 0;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    throw new VkwireConfigError('serveCallback', 'port', 'an integer in [0, 65535]', { got: port });
  const hostname = options.hostname ?? '127.0.0.1';
  if (typeof hostname !== 'string' || hostname === '')
    throw new VkwireConfigError('serveCallback', 'hostname', 'a host name or address', { got: hostname });
  const secure = options.tls !== undefined;
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    const target = request.url ?? '/';
    const query = target.indexOf('?');
    // VK may append a query string to the URL it was given: the path alone decides.
    if ((query === -1 ? target : target.slice(0, query)) !== path) {
      request.resume();
      write(response, NOT_FOUND);
    } else respond(receiver, new NodeDelivery(request, secure), response);
  };
  // VK sends a small body at once: a request still arriving after 30 s is a stuck or hostile client.
  const limits = { requestTimeout: 30_000, headersTimeout: 15_000 };
  const server: Server = options.tls
    ? createHttpsServer({ ...options.tls, ...limits }, listener)
    : createHttpServer(limits, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${secure ? 'https' : 'http'}://${host}:${address.port}${path}`;
  let stopping: Promise<StopResult> | undefined;
  const stop = async (): Promise<StopResult> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Requests in flight are answered and handlers finish (up to stopTimeoutMs), or are abandoned...
    const result = await receiver.stop();
    // ...their answers are written (a turn of the event loop), then connections are cut.
    await new Promise((resolve) => setImmediate(resolve));
    server.closeIdleConnections();
    await within(closed, 50);
    server.closeAllConnections();
    await closed;
    return result;
  };
  return {
    url,
    server,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Waits for `promise`, at most `ms`; leaves no timer behind. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
