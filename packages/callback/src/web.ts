import type { StopResult } from '@vkwire/core';
import { readWebBody } from './body.js';
import { type BodyResult, type Delivery, type Reply, TEXT_HEADERS } from './delivery.js';
import type { CallbackReceiverOptions } from './options.js';
import { buildReceiver } from './receiver.js';

/** Node's raw request headers, when a Node adapter (@hono/node-server) passes them along. */
export type RawHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * A Callback API endpoint as a web-standard function `Request → Response` (it ignores the path),
 * with `fetch` pointing at itself (so it is a Workers module too) and `stop()`.
 */
export interface CallbackReceiver {
  (request: Request): Promise<Response>;
  /** The same function, so `export default receiver` is a Workers / Bun module. */
  readonly fetch: (request: Request) => Promise<Response>;
  /**
   * Stops taking updates (new requests get 503 + `Retry-After`, so VK redelivers them), waits up
   * to `stopTimeoutMs` for running handlers, then aborts the rest through their `signal` and
   * discards their outcomes. Resolves with how many were abandoned; the same promise every call.
   */
  stop(): Promise<StopResult>;
}

/**
 * The core of a Callback API endpoint as a web-standard function `Request → Response` that
 * ignores the path. Web standards only: no Node built-in and no hono is imported.
 *
 * @example
 * const receiver = createCallbackReceiver({ groups: [{ groupId, secret, confirmation }], onUpdate });
 * export default receiver; // a Worker or Bun; Deno.serve(receiver)
 * // on shutdown: const { abandoned } = await receiver.stop();
 */
export function createCallbackReceiver(options: CallbackReceiverOptions): CallbackReceiver {
  const { receive, stop } = webReceiver('createCallbackReceiver', options);
  const fetch = (request: Request): Promise<Response> => Promise.resolve(receive(request));
  return Object.assign(fetch, { fetch, stop });
}

/** @internal The web receiver and its stop. */
export interface WebReceiver {
  /**
   * Answers a request; `headers` are Node's raw ones when at hand. The Response itself (not a
   * promise) when the receiver could answer at once, so an adapter can write it without a turn.
   */
  receive(request: Request, headers?: RawHeaders): Response | Promise<Response>;
  stop(): Promise<StopResult>;
}

/**
 * @internal The web receiver; `headers` are Node's raw ones when at hand (reading them is cheaper
 * than building the web `Headers` of a request that @hono/node-server makes lazily).
 */
export function webReceiver(component: string, options: CallbackReceiverOptions): WebReceiver {
  const receiver = buildReceiver(component, options);
  return {
    receive: (request, headers) => {
      const answered = receiver.answer(new WebDelivery(request, headers));
      return answered instanceof Promise ? answered.then(toResponse) : toResponse(answered);
    },
    stop: receiver.stop,
  };
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

/** Plain-text replies leave the content type to the runtime: no header map to build and copy. */
function toResponse(reply: Reply): Response {
  if (reply.headers === TEXT_HEADERS)
    return reply.status === 200
      ? new Response(reply.text)
      : new Response(reply.text, { status: reply.status });
  return new Response(reply.text, { status: reply.status, headers: reply.headers });
}
