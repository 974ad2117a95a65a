import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type BodyResult, parsedBody, readNodeBody } from './body.js';
import type { CallbackHandlerOptions } from './handler.js';
import {
  buildReceiver,
  type CallbackReceiverOptions,
  type Delivery,
  type Receiver,
  type Reply,
  reply,
} from './receiver.js';

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
  const path = options.path ?? '/callback';
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
    server.listen(options.port ?? 0, options.hostname ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${secure ? 'https' : 'http'}://${host}:${address.port}${path}`;
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
  const receiver = buildReceiver(options);
  return (request, response) => {
    const secure = (request.socket as { encrypted?: boolean }).encrypted === true;
    respond(receiver, new NodeDelivery(request, secure), response);
  };
}

const NOT_FOUND = reply(404, 'not found');

/** Answers one request with the receiver's reply. */
function respond(receiver: Receiver, delivery: NodeDelivery, response: ServerResponse): void {
  const answer = receiver.answer(delivery);
  if (answer instanceof Promise) void answer.then((settled) => write(response, settled));
  else write(response, answer);
}

function write(response: ServerResponse, answer: Reply): void {
  if (response.headersSent || response.destroyed) return;
  let headers = nodeHeaders.get(answer);
  if (!headers) {
    headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.text)) };
    nodeHeaders.set(answer, headers);
  }
  try {
    response.writeHead(answer.status, headers);
    response.end(answer.text);
  } catch {
    // The socket went away while the answer was written: nothing is left to tell.
    response.destroy();
  }
}

/** A reply's headers with its length, made once per reply (most replies are constants). */
const nodeHeaders = new WeakMap<Reply, Readonly<Record<string, string>>>();

/** Node's request as the receiver reads it; the web `Request` is made only if a handler asks. */
class NodeDelivery implements Delivery {
  private text = '';
  private request: Request | undefined;

  constructor(
    private readonly incoming: IncomingMessage,
    private readonly secure: boolean,
  ) {}

  get method(): string {
    return this.incoming.method ?? 'GET';
  }

  header(name: string): string | null {
    const value = this.incoming.headers[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  readBody(limit: number): BodyResult | Promise<BodyResult> {
    const incoming = this.incoming;
    const result =
      parsedBody(incoming, limit) ?? (incoming.readableEnded ? CONSUMED : readNodeBody(incoming, limit));
    if (result instanceof Promise)
      return result.then((read) => {
        if (read.ok) this.text = read.text;
        return read;
      });
    if (result.ok) this.text = result.text;
    return result;
  }

  toRequest(): Request {
    if (this.request) return this.request;
    const headers = new Headers();
    const raw = this.incoming.rawHeaders;
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const name = raw[index] as string;
      // The body is handed over decoded and whole; these described the wire form.
      if (!SKIPPED.has(name.toLowerCase())) headers.append(name, raw[index + 1] as string);
    }
    const host = this.incoming.headers.host ?? 'localhost';
    this.request = new Request(`${this.secure ? 'https' : 'http'}://${host}${this.incoming.url ?? '/'}`, {
      method: this.method,
      headers,
      body: this.method === 'GET' || this.method === 'HEAD' ? null : this.text,
    });
    return this.request;
  }
}

const SKIPPED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'host']);
const CONSUMED: BodyResult = { ok: false, status: 400, reason: 'body already consumed' };
