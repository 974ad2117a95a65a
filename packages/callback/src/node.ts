import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { CallbackHandlerOptions } from './handler.js';
import { buildReceiver, type CallbackReceiverOptions } from './receiver.js';

/** Options of {@link serveCallback}: the handler's, plus where to listen. */
export interface ServeCallbackOptions extends CallbackHandlerOptions {
  /** @default 0 (an ephemeral port; read it from `url`) */
  port?: number;
  /** @default '127.0.0.1' (use '0.0.0.0' to accept VK's requests from outside) */
  hostname?: string;
  /** Serve HTTPS with this key and certificate (VK requires HTTPS from a public CA; client certificates work too). */
  tls?: Pick<
    HttpsServerOptions,
    'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'requestCert' | 'rejectUnauthorized'
  >;
  /** Milliseconds `close()` lets requests in flight finish before cutting connections. @default 10000 */
  closeTimeoutMs?: number;
}

/** A running callback server. */
export interface CallbackServer {
  /** The endpoint's URL, e.g. `http://127.0.0.1:38211/callback`. */
  readonly url: string;
  /** The underlying node:http (or https) server. */
  readonly server: Server;
  /** Stops accepting requests, lets those in flight finish (their handlers too), then resolves. */
  close(): Promise<void>;
}

/**
 * Starts a standalone Node server for the Callback API endpoint.
 *
 * @example
 * const { url, close } = await serveCallback({
 *   groups: [{ groupId, secret, confirmation }],
 *   onUpdate: (update) => queue.push(update),
 *   port: 8080,
 *   hostname: '0.0.0.0',
 * });
 * process.once('SIGTERM', close);
 */
export async function serveCallback(options: ServeCallbackOptions): Promise<CallbackServer> {
  const receiver = buildReceiver(options);
  const app = new Hono();
  app.all(options.path ?? '/callback', (c) =>
    receiver.receive(c.req.raw, (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.headers),
  );
  const listener = getRequestListener(app.fetch);
  const server: Server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.hostname ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}${options.path ?? '/callback'}`;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Requests in flight are answered and their handlers finish (up to closeTimeoutMs)...
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          receiver.drained(),
          new Promise((resolve) => {
            timer = setTimeout(resolve, closeTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        // ...their answers are written (a turn of the event loop), then connections are cut.
        await new Promise((resolve) => setImmediate(resolve));
        server.closeIdleConnections();
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 50))]);
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/** A Node request handler, as node:http and express take it. */
export type NodeCallbackHandler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The endpoint as a Node `(req, res)` handler for node:http, express, fastify's raw mode and the
 * like. It answers on whatever path it is mounted at. Mount it before body parsers; if one ran
 * already (`express.json()`), the parsed `req.body` is used.
 *
 * @example
 * const app = express();
 * app.post('/vk', createNodeCallbackHandler({ groups, onUpdate }));
 */
export function createNodeCallbackHandler(options: CallbackReceiverOptions): NodeCallbackHandler {
  const { receive } = buildReceiver(options);
  const listener = getRequestListener((request, env) =>
    receive(request, 'incoming' in env ? (env.incoming as IncomingMessage).headers : undefined),
  );
  return (request, response) => {
    const parsed = (request as IncomingMessage & { body?: unknown; rawBody?: unknown }).body;
    if (parsed !== undefined && request.readableEnded && !('rawBody' in request)) {
      // A body parser consumed the stream; hand the parsed value on as the raw body it came from.
      const text = typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
      Object.assign(request, { rawBody: Buffer.from(text) });
      request.headers['content-length'] = String(Buffer.byteLength(text));
    }
    void listener(request, response);
  };
}
