/** The body of a request as text, or why it could not be read. */
export type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; reason: string };

const decoder = new TextDecoder();

/**
 * Reads a request body, refusing more than `limit` bytes while reading (a huge or endless body
 * never reaches memory). With a `Content-Length` the runtime itself keeps the body to that size,
 * so the fast `text()` is safe; without one (chunked) the stream is counted and cancelled.
 */
export async function readBody(
  request: Request,
  limit: number,
  declared: string | null = request.headers.get('content-length'),
): Promise<BodyResult> {
  try {
    if (declared !== null) {
      const length = Number(declared);
      if (!/^\d+$/.test(declared) || !Number.isSafeInteger(length))
        return { ok: false, status: 400, reason: 'invalid content-length' };
      if (length > limit) return tooLarge(limit);
      return { ok: true, text: await request.text() };
    }
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
    return { ok: false, status: 400, reason: 'unreadable body' };
  }
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, reason: `body larger than ${limit} bytes` };
}
