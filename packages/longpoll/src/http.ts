import type { Pool } from 'undici';
import { LongPollTransportError } from './errors.js';

type Undici = typeof import('undici');

// undici is loaded on the first poll, not at import: it is the largest module on the import path.
let undici: Undici | undefined;
let loading: Promise<Undici> | undefined;

function loadUndici(): Promise<Undici> {
  loading ??= import('undici').then((module) => {
    undici = module;
    return module;
  });
  return loading;
}

/** GETs long poll URLs over one keep-alive pool per origin (undici, loaded on the first request). */
export class LongPollHttp {
  private readonly pools = new Map<string, Pool>();

  /** The body of a 200 answer; anything else is a LongPollTransportError (aborts stay aborts). */
  async get(url: URL, timeoutMs: number, signal: AbortSignal): Promise<string> {
    const { Pool } = undici ?? (await loadUndici());
    let pool = this.pools.get(url.origin);
    if (!pool) {
      pool = new Pool(url.origin, { connections: 2, keepAliveTimeout: 60_000 });
      this.pools.set(url.origin, pool);
    }
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await pool.request({
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new LongPollTransportError(
        `long poll request failed: ${error instanceof Error ? error.message : String(error)}`,
        0,
        { cause: error },
      );
    }
    let body: string;
    try {
      body = await response.body.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new LongPollTransportError('long poll answer was cut off', response.statusCode, { cause: error });
    }
    if (response.statusCode !== 200) {
      throw new LongPollTransportError(
        `long poll answered HTTP ${response.statusCode}: ${JSON.stringify(body.slice(0, 120))}`,
        response.statusCode,
      );
    }
    return body;
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.destroy()));
  }
}
