import type { FormData, Pool } from 'undici';
import { VkNetworkError } from './errors.js';
import { undici } from './undici.js';

/** A raw HTTP answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** Options of one HTTP request. */
export interface HttpRequestOptions {
  /** Milliseconds until the request counts as timed out. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Name for errors (the API method or the upload). */
  label: string;
}

/** HTTP over undici (loaded on the first request) with one keep-alive pool per origin. */
export class HttpTransport {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly connections = 32) {}

  /** POSTs a form-encoded body. */
  postForm(url: URL, body: string, options: HttpRequestOptions): Promise<HttpAnswer> {
    return this.send(url, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, body, options);
  }

  /** POSTs a multipart form (uploads). */
  postMultipart(url: URL, form: FormData, options: HttpRequestOptions): Promise<HttpAnswer> {
    return this.send(url, 'POST', {}, form, options);
  }

  /** GETs a URL (downloading an upload source). Returns the raw bytes. */
  async getBytes(url: URL, options: HttpRequestOptions): Promise<{ status: number; bytes: Buffer }> {
    const pool = await this.pool(url);
    const { signal, clear } = this.signal(options);
    try {
      const response = await pool.request({
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        signal,
        headersTimeout: timerMs(options.timeoutMs),
        bodyTimeout: timerMs(options.timeoutMs),
      });
      return { status: response.statusCode, bytes: Buffer.from(await response.body.arrayBuffer()) };
    } catch (error) {
      throw this.failure(error, options);
    } finally {
      clear();
    }
  }

  /** Closes every pool after in-flight requests finish, or at once (aborting them) with `force`. */
  async close(force = false): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => (force ? pool.destroy() : pool.close())));
  }

  private async send(
    url: URL,
    method: 'POST',
    headers: Record<string, string>,
    body: string | FormData,
    options: HttpRequestOptions,
  ): Promise<HttpAnswer> {
    const pool = await this.pool(url);
    const { signal, clear } = this.signal(options);
    try {
      const response = await pool.request({
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body,
        signal,
        headersTimeout: timerMs(options.timeoutMs),
        bodyTimeout: timerMs(options.timeoutMs),
      });
      return { status: response.statusCode, body: await response.body.text() };
    } catch (error) {
      throw this.failure(error, options);
    } finally {
      clear();
    }
  }

  /**
   * The request's signal: the caller's, and a timeout of `timeoutMs` (none for 0) that `clear()`
   * disarms once the request is over (AbortSignal.timeout's timer would stay armed for the whole
   * `timeoutMs` after every call, and outlive close()).
   */
  private signal(options: HttpRequestOptions): { signal: AbortSignal | undefined; clear: () => void } {
    const ms = timerMs(options.timeoutMs);
    if (ms === 0) return { signal: options.signal, clear: () => {} };
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      // setTimeout's own limit is lower than undici's (2^31-1 ms, about 24.8 days): past it, none.
      Math.min(ms, 2_147_483_647),
    );
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    return { signal, clear: () => clearTimeout(timer) };
  }

  /** The caller's abort stays an abort; everything else becomes a VkNetworkError. */
  private failure(error: unknown, options: HttpRequestOptions): unknown {
    if (options.signal?.aborted) return options.signal.reason;
    const name = error instanceof Error ? error.name : '';
    const timedOut =
      name === 'TimeoutError' ||
      name === 'HeadersTimeoutError' ||
      name === 'BodyTimeoutError' ||
      (name === 'AbortError' && !options.signal?.aborted);
    return new VkNetworkError(options.label, timedOut ? 'timeout' : 'network', error);
  }

  private async pool(url: URL): Promise<Pool> {
    const { Pool } = await undici();
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, { connections: this.connections, keepAliveTimeout: 30_000 });
      this.pools.set(url.origin, pool);
    }
    return pool;
  }
}

/** The longest delay a Node timer takes (about 49.7 days). */
const MAX_TIMER_MS = 2 ** 32 - 1;

/**
 * A timeout as timers and undici take it: a whole number of milliseconds within a timer's range,
 * or 0 for none (`Infinity`). A computed, fractional timeout is rounded up, never refused.
 */
function timerMs(timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs)) return 0;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(timeoutMs)));
}
