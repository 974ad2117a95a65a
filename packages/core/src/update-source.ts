import type { Finished, Stoppable } from './lifecycle.js';

/** Where an update came from. */
export type UpdateTransport = 'long_poll' | 'user_long_poll' | 'callback' | 'bus' | 'direct';

/**
 * What every transport tells a handler besides the update: the same names whether the update came
 * from Bots Long Poll, the Callback API, the Redis bus or a test.
 */
export interface UpdateContext {
  /** Which transport delivered it. */
  readonly transport: UpdateTransport;
  /**
   * Aborted when the handler must give up: `stop()` ran out of `stopTimeoutMs`, or (Callback API)
   * the answer's deadline passed. Pass it to API calls and timers; its outcome is discarded then.
   */
  readonly signal: AbortSignal;
  /** The community the update belongs to; undefined for a user account's User Long Poll. */
  readonly groupId: number | undefined;
  /** VK's `event_id` (Bots Long Poll, Callback API); undefined where VK sends none (User Long Poll). */
  readonly eventId: string | undefined;
  /** Earlier deliveries of this update that failed: VK's `X-Retry-Counter`, or the handler's retry number. 0 first. */
  readonly retryCounter: number;
}

/**
 * The one handler contract of every transport: resolve when the update is handled (or safely
 * queued); throw to report a failure. What a failure leads to is the transport's documented
 * policy: Long Poll reports it and moves on (after `handlerRetries` retries, if set); the Callback
 * API answers VK with a retry, so VK redelivers. A bot's `handleUpdate` has this shape, so any
 * source can feed it.
 *
 * @example
 * const handler: UpdateHandler<VkParsedUpdate> = async (update, { signal, groupId }) => {
 *   if (update.type === 'message_new') await api.messages.send({ peer_id: ..., message: 'hi' }, { signal });
 * };
 */
export type UpdateHandler<U, C extends UpdateContext = UpdateContext> = (
  update: U,
  context: C,
) => void | Promise<void>;

/**
 * A source of updates a consumer (a bot, a pipeline) can own: started with the handler every update
 * goes to, stopped with `stop()`, and `finished` tells how it ended. The long poll clients and
 * redis-bridge's bus consumer are update sources.
 *
 * @example
 * const source: UpdateSource<VkParsedUpdate> = new GroupLongPoll({ api });
 * await source.start((update, context) => bot.handleUpdate(update, context));
 * const end = await source.finished; // { reason: 'stopped' } or { reason: 'fatal', error }
 */
export interface UpdateSource<U, C extends UpdateContext = UpdateContext> extends Stoppable {
  /** Starts delivering updates to `handler`; rejects when it cannot start (and may be started again then). */
  start(handler: UpdateHandler<U, C>): Promise<void>;
  /** Resolves when the source has ended, for whatever reason; never rejects. */
  readonly finished: Promise<Finished>;
}
