import type { IncomingMessage } from 'node:http';
import { tooLarge, UNREADABLE } from './body.js';
import type { BodyResult } from './delivery.js';

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
