import type { Pool } from 'undici';
import { LongPollTransportError } from './errors.js';
import { bodyPreview } from './json-body.js';

/** The body's bytes, in one piece. */
async function readBytes(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    length += chunk.length;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  return Buffer.concat(chunks, length);
}

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

  /**
   * The body of a 200 answer, as bytes (parse it with `parseJsonBody`); anything else is a
   * LongPollTransportError (aborts stay aborts).
   */
  async get(url: URL, timeoutMs: number, signal: AbortSignal): Promise<Uint8Array> {
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
    let body: Uint8Array;
    try {
      body = await readBytes(response.body);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new LongPollTransportError('long poll answer was cut off', response.statusCode, { cause: error });
    }
    if (response.statusCode !== 200) {
      throw new LongPollTransportError(
        `long poll answered HTTP ${response.statusCode}: ${JSON.stringify(bodyPreview(body))}`,
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
