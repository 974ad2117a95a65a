import type { BodyResult } from './delivery.js';

const decoder = new TextDecoder();
/** @internal The answer to a body that could not be read. */
export const UNREADABLE: BodyResult = { ok: false, status: 400, reason: 'unreadable body' };

/**
 * Reads a web `Request`'s body, refusing more than `limit` bytes while reading (a huge or endless
 * body never reaches memory). The receiver has checked a `Content-Length` against the limit, and
 * the runtime keeps the body to that length, so then the fast `text()` is safe; without one
 * (chunked) the stream is counted and cancelled at the limit.
 */
export function readWebBody(request: Request, limit: number, hasLength: boolean): Promise<BodyResult> {
  // One promise, no async frame: the usual body with a Content-Length.
  if (hasLength) {
    try {
      return request.text().then(asText, unreadable);
    } catch {
      return Promise.resolve(UNREADABLE);
    }
  }
  return readWebStream(request, limit);
}

function asText(text: string): BodyResult {
  return { ok: true, text };
}

function unreadable(): BodyResult {
  return UNREADABLE;
}

/** A body without a Content-Length (chunked): counted while it arrives, cancelled at `limit`. */
async function readWebStream(request: Request, limit: number): Promise<BodyResult> {
  try {
    if (!request.body) return { ok: true, text: '' };
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return tooLarge(limit);
      }
      chunks.push(value);
    }
    if (chunks.length === 1) return { ok: true, text: decoder.decode(chunks[0]) };
    const joined = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { ok: true, text: decoder.decode(joined) };
  } catch {
    return UNREADABLE;
  }
}

/** @internal The answer to a body over `limit` bytes. */
export function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, reason: `body larger than ${limit} bytes` };
}
