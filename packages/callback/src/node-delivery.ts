import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyResult, Delivery, Reply } from './delivery.js';
import { parsedBody, readNodeBody } from './node-body.js';
import type { Receiver } from './receiver.js';

/** @internal Answers one request with the receiver's reply. */
export function respond(receiver: Receiver, delivery: NodeDelivery, response: ServerResponse): void {
  const answer = receiver.answer(delivery);
  if (answer instanceof Promise) void answer.then((settled) => write(response, settled));
  else write(response, answer);
}

/** @internal Writes a reply (nothing when the client is gone). */
export function write(response: ServerResponse, answer: Reply): void {
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

/** @internal Node's request as the receiver reads it; the web `Request` is made only if a handler asks. */
export class NodeDelivery implements Delivery {
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
