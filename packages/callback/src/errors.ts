import { VkwireConfigError } from '@vkwire/core';

/** Why `configureCallbackServer` could not set a callback server up. */
export type CallbackSetupErrorCode =
  /** The token is not a community token of that community (or lacks the `manage` right). */
  | 'need_group_token'
  /** The community has 10 callback servers already (VK error 2000). */
  | 'server_limit'
  /** VK could not confirm the new server (its status is `failed`): unreachable, or a wrong code. */
  | 'not_confirmed'
  /** Any other API failure (see `cause`). */
  | 'api_error';

/**
 * `configureCallbackServer` failed. The message says what to do; it never contains the secret or
 * the token.
 */
export class CallbackSetupError extends Error {
  override readonly name = 'CallbackSetupError';
  /** Machine-readable reason. */
  readonly code: CallbackSetupErrorCode;

  constructor(code: CallbackSetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * A handler was still running when its `deadlineMs` passed: VK was answered 503 (it redelivers),
 * the handler's `signal` was aborted. What `onError` (or the log) receives then.
 */
export class CallbackDeadlineError extends Error {
  override readonly name = 'CallbackDeadlineError';
  /** Machine-readable code. */
  readonly code = 'handler_deadline';

  constructor(deadlineMs: number) {
    super(`onUpdate ran past its deadline of ${deadlineMs} ms: VK was asked to redeliver the update`);
  }
}

/** The handler asked for an explicit answer; see `retryLater` and `removeServer`. */
export type CallbackReply =
  | {
      /** Ask VK to deliver this event again after a delay. */
      kind: 'retry';
      /** Seconds VK should wait (under 3 hours). */
      afterSeconds: number;
      /** 503, 429 or 410. */
      status: 410 | 429 | 503;
    }
  | {
      /** Answer `remove`: VK deletes this callback server from the community. */
      kind: 'remove';
    };

/**
 * A reply asking VK to redeliver the event after `afterSeconds` (a `Retry-After` answer). The
 * event is not marked handled, so the redelivery is dispatched again.
 *
 * @throws VkwireConfigError (`invalid_option`) when `afterSeconds` is not in [0, 10800)
 * @example
 * onUpdate: async (update) => {
 *   if (await queue.isFull()) return retryLater(30);
 *   await queue.push(update);
 * }
 */
export function retryLater(afterSeconds: number, options: { status?: 410 | 429 | 503 } = {}): CallbackReply {
  if (typeof afterSeconds !== 'number' || !(afterSeconds >= 0 && afterSeconds < 3 * 3600))
    throw new VkwireConfigError('retryLater', 'afterSeconds', 'a number of seconds in [0, 10800)', {
      got: afterSeconds,
    });
  const status = options.status ?? 503;
  if (status !== 503 && status !== 429 && status !== 410)
    throw new VkwireConfigError('retryLater', 'status', '503, 429 or 410', { got: status });
  return { kind: 'retry', afterSeconds: Math.ceil(afterSeconds), status };
}

/**
 * A reply that makes VK delete this callback server from the community (the body `remove`). Use
 * it only on purpose, e.g. when a bot is being decommissioned.
 */
export function removeServer(): CallbackReply {
  return { kind: 'remove' };
}
