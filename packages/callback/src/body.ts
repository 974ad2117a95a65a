import type { IncomingMessage } from 'node:http';

/** The body of a request as text, or why it could not be read. */
export type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; reason: string };

const decoder = new TextDecoder();
const UNREADABLE: BodyResult = { ok: false, status: 400, reason: 'unreadable body' };

/**
 * Reads a web `Request`'s body, refusing more than `limit` bytes while reading (a huge or endless
 * body never reaches memory). The receiver has checked a `Content-Length` against the limit, and
 * the runtime keeps the body to that length, so then the fast `text()` is safe; without one
 * (chunked) the stream is counted and cancelled at the limit.
 */
export async function readWebBody(request: Request, limit: number, hasLength: boolean): Promise<BodyResult> {
  try {
    if (hasLength) return { ok: true, text: await request.text() };
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

/**
 * Reads a Node request's body the same way: counted while it arrives, given up at `limit` bytes
 * (the caller then answers 413 and closes the connection), `unreadable` when the client aborts.
 */
export function readNodeBody(incoming: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult): void => {
      incoming.off('data', onData).off('end', onEnd).off('error', onFailure).off('close', onFailure);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        incoming.pause();
        finish(tooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = (): void =>
      finish({
        ok: true,
        text: (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)).toString('utf8'),
      });
    // 'close' before 'end' means the client went away mid-body.
    const onFailure = (): void => finish(UNREADABLE);
    incoming.on('data', onData).on('end', onEnd).on('error', onFailure).on('close', onFailure);
  });
}

/** A body that a body parser (express.json and the like) already read, as text. */
export function parsedBody(incoming: IncomingMessage, limit: number): BodyResult | undefined {
  const body = (incoming as IncomingMessage & { body?: unknown }).body;
  if (body === undefined || !incoming.readableEnded) return undefined;
  const text =
    typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
  return Buffer.byteLength(text) > limit ? tooLarge(limit) : { ok: true, text };
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, reason: `body larger than ${limit} bytes` };
}
