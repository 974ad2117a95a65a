import type { UpdateContext } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import type { Delivery } from './delivery.js';
import type { CallbackReply } from './errors.js';

/**
 * What a handler learns about the delivery besides the update: core's `UpdateContext` (the same
 * names every transport uses) with the community and event id always set, plus the HTTP request.
 */
export interface CallbackContext extends UpdateContext {
  /** Always `'callback'`. */
  readonly transport: 'callback';
  /** The community the update belongs to. */
  readonly groupId: number;
  /** VK's id of the update (the deduplication key). */
  readonly eventId: string;
  /** VK's `X-Retry-Counter`: how many earlier deliveries of this update failed (0 on the first). */
  readonly retryCounter: number;
  /**
   * Aborted when the answer's `deadlineMs` passes (VK is told to retry; the handling keeps its
   * claim) or when `stop()` ran out of `stopTimeoutMs` (the outcome is discarded).
   */
  readonly signal: AbortSignal;
  /**
   * The HTTP request as received: headers, URL with its query string, the body as text. On Node
   * it is built on first read, so a handler that never looks at it pays nothing.
   */
  readonly request: Request;
}

/** What a handler may return: nothing (`ok`), or an explicit answer (`retryLater`, `removeServer`). */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing means "ok".
export type CallbackHandlerResult = void | CallbackReply;

/**
 * Handles one update. Resolve when the update is safe (handled, or written to your queue): only
 * then does VK get `ok`. Throw (or reject) to make VK deliver it again; return `retryLater(s)` to
 * choose the delay, or `removeServer()` to make VK delete this callback server; any other value
 * counts as handled (`(update) => queue.push(update)` is fine). Any core
 * `UpdateHandler` (a bot's `handleUpdate`) fits.
 */
export type CallbackUpdateHandler = (
  update: VkParsedUpdate,
  context: CallbackContext,
) => CallbackHandlerResult | Promise<CallbackHandlerResult>;

/**
 * @internal The handler's context; the AbortController and the Request are made only when read.
 * `finished` and `abort` are the receiver's, not part of {@link CallbackContext}.
 */
export class DeliveryContext implements CallbackContext {
  finished = false;
  private controller: AbortController | undefined;
  private reason: Error | undefined;

  constructor(
    readonly groupId: number,
    readonly eventId: string,
    readonly retryCounter: number,
    private readonly delivery: Delivery,
  ) {}

  get transport(): 'callback' {
    return 'callback';
  }

  get request(): Request {
    return this.delivery.toRequest();
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.reason && !this.controller.signal.aborted) this.controller.abort(this.reason);
    return this.controller.signal;
  }

  /** Aborts the handler's signal (once; the first reason stays). */
  abort(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
