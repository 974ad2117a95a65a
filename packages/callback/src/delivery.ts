/**
 * One HTTP request as the receiver sees it, whatever server carried it: a web `Request` (hono,
 * Workers, Bun, Deno) or Node's `IncomingMessage`.
 * @internal
 */
export interface Delivery {
  readonly method: string;
  /** A request header by its lower-case name, or null. */
  header(name: string): string | null;
  /** Reads the body, refusing more than `limit` bytes while reading (at once when it is all here). */
  readBody(limit: number): BodyResult | Promise<BodyResult>;
  /** The request as a web `Request` (for the handler's context). */
  toRequest(): Request;
}

/** The body of a request as text, or why it could not be read. */
export type BodyResult = { ok: true; text: string } | { ok: false; status: 400 | 413; reason: string };

/**
 * An answer, written by each transport its own way. `headers` always has the content type.
 * @internal
 */
export interface Reply {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

const TEXT_TYPE = 'text/plain; charset=utf-8';
/**
 * @internal The headers of a reply that is plain text and nothing more: a web transport may leave
 * them to the runtime, whose default for a string body is the same `text/plain; charset=UTF-8`.
 */
export const TEXT_HEADERS: Readonly<Record<string, string>> = { 'content-type': TEXT_TYPE };

/** @internal A text reply; extra headers are added to the content type. */
export function reply(status: number, text: string, extra?: Record<string, string>): Reply {
  return { status, text, headers: extra ? { 'content-type': TEXT_TYPE, ...extra } : TEXT_HEADERS };
}
