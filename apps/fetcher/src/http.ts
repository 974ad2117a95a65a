import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CommunityRole } from './observer.js';

/** One community's state in `/readyz`. */
export interface CommunityReadiness {
  /** The community's id; null while it is still being detected from its token. */
  groupId: number | null;
  /** The fingerprint of its token (`tokenFingerprint`), never the token. */
  token: string;
  /** Polling it (holding the lease), standing by, starting, stopped, or failed for good. */
  role: CommunityRole;
  /** What holds it back or went wrong last, for a person (e.g. "Long Poll disabled in the community settings"). */
  detail?: string;
}

/** What `/readyz` reports: the answer of the core's readiness callback. */
export interface Readiness {
  /** Ready to serve: Redis reachable and every community either polled or stood by for. */
  ready: boolean;
  /** Whether Redis answers. */
  redis: 'up' | 'down';
  /** Each community this fetcher serves. */
  communities: readonly CommunityReadiness[];
}

/** Where `/metrics` comes from (what `createFetcherMetrics()` returns fits). */
export interface MetricsSource {
  /** The `Content-Type` of the text. */
  readonly contentType: string;
  /** The Prometheus text exposition. */
  metrics(): Promise<string>;
}

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** The address to listen on (`HTTP_HOST`). */
  host: string;
  /** The port (`HTTP_PORT`); 0 takes any free one, see `port` of the result. */
  port: number;
  /** Served at `/metrics`. */
  metrics: MetricsSource;
  /** Asked at each `/readyz`; 200 when it says ready, 503 otherwise. */
  readiness: () => Readiness | Promise<Readiness>;
  /** `/readyz` answers 503 when `readiness` takes longer than this. @default 2000 */
  readinessTimeoutMs?: number;
  /**
   * Told about a failing readiness callback or metrics collection (the request gets 503 / 500) and
   * about server faults. @default writes one line to stderr
   */
  onError?: (error: unknown) => void;
}

/** A running health and metrics server. */
export interface HttpServer {
  /** The base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** The port listened on (the one picked when 0 was asked). */
  readonly port: number;
  /** Stops listening, closes open (keep-alive) connections and resolves once the server is closed. */
  stop(): Promise<void>;
}

/** Why the HTTP server could not listen. */
export type HttpListenErrorCode = 'port_in_use' | 'listen_failed';

/**
 * The health and metrics server could not listen on `host:port`: `code` is `port_in_use` when
 * another process holds the port, `listen_failed` otherwise (bad address, no permission, …).
 */
export class HttpListenError extends Error {
  override readonly name = 'HttpListenError';
  /** Machine-readable reason. */
  readonly code: HttpListenErrorCode;
  /** The address asked for. */
  readonly host: string;
  /** The port asked for. */
  readonly port: number;

  /**
   * @param host the address asked for
   * @param port the port asked for
   * @param cause the `listen` error (its `code` decides this error's)
   */
  constructor(host: string, port: number, cause: unknown) {
    const inUse = (cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    super(
      inUse
        ? `fetcher HTTP server: ${where} is already in use; stop what listens there or set HTTP_PORT to another port`
        : `fetcher HTTP server: cannot listen on ${where}: ${cause instanceof Error ? cause.message : String(cause)}; check HTTP_HOST and HTTP_PORT`,
      { cause },
    );
    this.code = inUse ? 'port_in_use' : 'listen_failed';
    this.host = host;
    this.port = port;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function stderrOnError(error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`fetcher HTTP server: ${text}\n`);
}

/** `promise`, or a rejection after `ms` or when `signal` aborts, whichever comes first; no timer outlives it. */
function settleWithin<T>(promise: Promise<T>, ms: number, signal: AbortSignal, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    onAbort = () => reject(new Error(`${what} was cut short: the server stopped`));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, cut]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}

/**
 * Starts the fetcher's HTTP server on `node:http`: `GET /healthz` (200 while the process runs),
 * `GET /readyz` (200 or 503 with the readiness as JSON), `GET /metrics` (Prometheus text).
 * `HEAD` is answered like `GET` without a body; other paths get 404, other methods 405.
 * Rejects with {@link HttpListenError} when it cannot listen.
 *
 * @example
 * const http = await startHttpServer({ host: '127.0.0.1', port: 0, metrics, readiness: () => core.readiness() });
 * logger.info({ url: http.url }, 'health and metrics served');
 * await http.stop();
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { host, port, metrics, readiness } = options;
  const onError = options.onError ?? stderrOnError;
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const send = (
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    response.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...headers,
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  const sendJson = (request: IncomingMessage, response: ServerResponse, status: number, body: unknown) =>
    send(request, response, status, JSON_TYPE, `${JSON.stringify(body)}\n`);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (!PATHS.has(path)) return sendJson(request, response, 404, { error: `no such path: ${path}` });
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(request, response, 405, JSON_TYPE, `${JSON.stringify({ error: 'method not allowed' })}\n`, {
        allow: 'GET, HEAD',
      });

    if (path === '/healthz') return sendJson(request, response, 200, { status: 'ok' });

    if (path === '/readyz') {
      let state: Readiness;
      try {
        state = await settleWithin(
          Promise.resolve().then(readiness),
          readinessTimeoutMs,
          stopping.signal,
          'the readiness check',
        );
      } catch (error) {
        if (!stopping.signal.aborted) onError(error);
        const reason = error instanceof Error ? error.message : String(error);
        return sendJson(request, response, 503, { ready: false, error: reason });
      }
      return sendJson(request, response, state.ready ? 200 : 503, state);
    }

    let text: string;
    try {
      text = await metrics.metrics();
    } catch (error) {
      onError(error);
      return send(request, response, 500, TEXT_TYPE, 'metrics collection failed\n');
    }
    return send(request, response, 200, metrics.contentType, text);
  };

  const server = createServer((request, response) => {
    const handled = handle(request, response)
      .catch((error: unknown) => {
        onError(error);
        if (!response.headersSent) send(request, response, 500, TEXT_TYPE, 'internal error\n');
        else response.destroy();
      })
      .finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: unknown) => reject(new HttpListenError(host, port, error));
    server.once('error', failed);
    server.listen({ host, port }, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', onError);

  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    stop: () => {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        server.closeAllConnections();
        stopping.abort();
        // requests cut short finish their handlers (answering nobody) before stop resolves
        await Promise.all([closed, Promise.allSettled(inFlight)]);
      })();
      return stopped;
    },
  };
}
