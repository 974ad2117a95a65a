import { type BodyResult, readWebBody } from './body.js';
import { buildReceiver, type CallbackReceiverOptions, type Delivery, type Reply } from './receiver.js';

/** Node's raw request headers, when a Node adapter (@hono/node-server) passes them along. */
export type RawHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The core of a Callback API endpoint as a web-standard function `Request → Response` that
 * ignores the path: the hono app and route handler are built on it.
 *
 * @example
 * const receive = createCallbackReceiver({ groups: [{ groupId, secret, confirmation }], onUpdate });
 * export default { fetch: receive }; // a Worker, Deno.serve(receive), Bun.serve({ fetch: receive })
 */
export function createCallbackReceiver(
  options: CallbackReceiverOptions,
): (request: Request) => Promise<Response> {
  const receive = webReceiver(options);
  return (request) => receive(request);
}

/**
 * @internal The web receiver; `headers` are Node's raw ones when at hand (reading them is cheaper
 * than building the web `Headers` of a request that @hono/node-server makes lazily).
 */
export function webReceiver(
  options: CallbackReceiverOptions,
): (request: Request, headers?: RawHeaders) => Promise<Response> {
  const receiver = buildReceiver(options);
  return async (request, headers) => toResponse(await receiver.answer(new WebDelivery(request, headers)));
}

/** A web `Request` as the receiver reads it. */
class WebDelivery implements Delivery {
  constructor(
    private readonly request: Request,
    private readonly raw: RawHeaders | undefined,
  ) {}

  get method(): string {
    return this.request.method;
  }

  header(name: string): string | null {
    if (!this.raw) return this.request.headers.get(name);
    const value = this.raw[name];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  readBody(limit: number): Promise<BodyResult> {
    return readWebBody(this.request, limit, this.header('content-length') !== null);
  }

  toRequest(): Request {
    return this.request;
  }
}

function toResponse(reply: Reply): Response {
  return new Response(reply.text, { status: reply.status, headers: reply.headers });
}
