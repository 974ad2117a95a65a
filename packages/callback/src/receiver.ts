import { type DedupeClaim, errorText, MemoryDedupeStore, type StopResult, toError } from '@vkwire/core';
import { safeParseUpdate, type VkParsedUpdate } from '@vkwire/events-schema';
import { type CallbackHandlerResult, DeliveryContext } from './context.js';
import { type BodyResult, type Delivery, type Reply, reply } from './delivery.js';
import { CallbackDeadlineError, type CallbackReply } from './errors.js';
import { secretMatches } from './groups.js';
import { type CallbackReceiverOptions, type CallbackRejection, receiverSettings } from './options.js';

/** @internal The receiver behind every entry point. */
export interface Receiver {
  /** Answers one request (synchronously when nothing had to be waited for); never rejects. */
  answer(delivery: Delivery): Reply | Promise<Reply>;
  /**
   * Answers every new request 503 + `Retry-After`, waits up to `stopTimeoutMs` for the requests
   * and handlers in flight, then aborts the handlers still running and discards their outcomes.
   * The same promise on every call.
   */
  stop(): Promise<StopResult>;
}

/** Outcome of one handling, shared with redeliveries that arrive while it runs. */
type Outcome = { kind: 'ok' } | { kind: 'failed' } | { kind: 'stopped' } | CallbackReply;

/** A handler still running (or recording its outcome): redeliveries wait for it, `stop()` may abandon it. */
interface Handling {
  readonly key: string;
  readonly owner: string;
  readonly context: DeliveryContext;
  /** Resolves with the handler's outcome as soon as it has one (the store is written after). */
  readonly outcome: Promise<Outcome>;
  resolve(outcome: Outcome): void;
  /** `stop()` gave up on it: whatever it ends with is discarded. */
  abandoned: boolean;
  /** The store write of its outcome, while it is pending. */
  recording: Promise<void> | undefined;
}

const OK: Outcome = { kind: 'ok' };
const FAILED: Outcome = { kind: 'failed' };
const STOPPED: Outcome = { kind: 'stopped' };
/** What a wait for an outcome gets when the deadline passes first. */
const TIMED_OUT: Outcome = { kind: 'failed' };
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;
const DIGITS = /^\d+$/;
const OK_REPLY = reply(200, 'ok');
const REMOVE_REPLY = reply(200, 'remove');
const NOT_POST = reply(405, 'POST only', { allow: 'POST' });

/**
 * @internal Builds the receiver; the public entry points wrap it for their transport.
 * @param component the entry point, named in configuration errors
 */
export function buildReceiver(component: string, options: CallbackReceiverOptions): Receiver {
  const settings = receiverSettings(component, options);
  const { groups, onUpdate, deadlineMs, stopTimeoutMs, errorRetryAfter, bodyLimit, dedupeTtlMs } = settings;
  const { logger, onRejected, onError } = settings;
  const parseOptions = { validate: settings.validate };
  const store = settings.dedupe ?? new MemoryDedupeStore();
  // A claim outlives the handler's deadline by far: it lapses only when a process died holding it.
  const leaseMs = Math.max(60_000, deadlineMs * 4);
  const handlerFailed = reply(503, 'handler failed', { 'retry-after': errorRetryAfter });
  const stoppingReply = reply(503, 'stopping', { 'retry-after': errorRetryAfter });
  /** Handlings running in this process, so a redelivery can wait for the first one's outcome. */
  const running = new Map<string, Handling>();
  /** Requests being answered. */
  let active = 0;
  let stopping = false;
  let stopped: Promise<StopResult> | undefined;
  /** Set while `stop()` waits for requests and handlers to end. */
  let onIdle: (() => void) | undefined;

  const reject = (
    status: number,
    reason: CallbackRejection,
    text: string,
    info: { groupId?: number; eventId?: string } = {},
  ): Reply => {
    onRejected?.(reason, info);
    logger.warn({ reason, status, ...info }, `callback request refused: ${text}`);
    // A body left unread (too large, broken) must not be parsed as the next request.
    return status === 413 || reason === 'unreadable_body'
      ? reply(status, text, { connection: 'close' })
      : reply(status, text);
  };
  const retry = (text: string): Reply => reply(503, text, { 'retry-after': errorRetryAfter });
  const answerFor = (outcome: Outcome): Reply => {
    if (outcome.kind === 'ok') return OK_REPLY;
    if (outcome.kind === 'remove') return REMOVE_REPLY;
    if (outcome.kind === 'retry')
      return reply(outcome.status, 'retry later', { 'retry-after': String(outcome.afterSeconds) });
    if (outcome.kind === 'stopped') return stoppingReply;
    return handlerFailed;
  };
  const checkIdle = (): void => {
    if (active !== 0 || running.size !== 0 || onIdle === undefined) return;
    const idle = onIdle;
    onIdle = undefined;
    idle();
  };

  return { answer, stop };

  function answer(delivery: Delivery): Reply | Promise<Reply> {
    if (stopping) return stoppingReply;
    active += 1;
    let result: Reply | Promise<Reply>;
    try {
      result = handle(delivery);
    } catch (error) {
      result = failed(error);
    }
    if (!(result instanceof Promise)) return done(result);
    return result.then(done, (error: unknown) => done(failed(error)));
  }

  /** Bookkeeping once a request is answered. */
  function done(result: Reply): Reply {
    active -= 1;
    if (onIdle !== undefined) checkIdle();
    return result;
  }

  /** Not expected (every step handles its own failures), but a request is never left hanging. */
  function failed(error: unknown): Reply {
    logger.error({ err: errorText(error) }, 'callback receiver failed');
    return retry('internal error');
  }

  function stop(): Promise<StopResult> {
    stopped ??= drain();
    return stopped;
  }

  async function drain(): Promise<StopResult> {
    stopping = true;
    if (active !== 0 || running.size !== 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        onIdle = resolve;
        timer = setTimeout(resolve, stopTimeoutMs);
      });
      clearTimeout(timer);
      onIdle = undefined;
    }
    // Handlers still running now are abandoned: aborted, answered "stopping" (VK redelivers), and
    // their claims given up before stop() resolves, so nothing of them reaches the store later.
    const pending: Array<Promise<void>> = [];
    let abandoned = 0;
    for (const handling of [...running.values()]) {
      if (handling.context.finished) {
        if (handling.recording) pending.push(handling.recording);
        continue;
      }
      abandoned += 1;
      handling.abandoned = true;
      running.delete(handling.key);
      handling.context.abort(
        new Error(`callback receiver stopped: the handler ran past ${stopTimeoutMs} ms`),
      );
      handling.resolve(STOPPED);
      const released = record(handling.key, handling.owner, STOPPED);
      if (released) pending.push(released);
    }
    await Promise.all(pending);
    if (abandoned > 0)
      logger.warn(
        { abandoned, stopTimeoutMs },
        'callback receiver stopped with handlers still running: they were aborted and VK will redeliver their updates',
      );
    return { abandoned };
  }

  // Each step below answers synchronously when nothing it waits for is asynchronous (a body that
  // arrived whole, a synchronous store and handler): no promise, no extra turn per request.

  /** Checks the request line and headers, then reads the body. */
  function handle(delivery: Delivery): Reply | Promise<Reply> {
    if (delivery.method !== 'POST') {
      onRejected?.('method_not_allowed', {});
      return NOT_POST;
    }
    const contentType = delivery.header('content-type');
    if (contentType !== null && contentType !== 'application/json' && !JSON_TYPE.test(contentType))
      return reject(415, 'unsupported_content_type', 'expected application/json');
    const declared = delivery.header('content-length');
    if (declared !== null) {
      if (!DIGITS.test(declared)) return reject(400, 'unreadable_body', 'invalid content-length');
      if (Number(declared) > bodyLimit)
        return reject(413, 'body_too_large', `body larger than ${bodyLimit} bytes`);
    }
    const body = delivery.readBody(bodyLimit);
    return body instanceof Promise ? body.then((read) => receive(delivery, read)) : receive(delivery, body);
  }

  /** Parses and checks the body: JSON, community, secret, confirmation, event_id, schema. */
  function receive(delivery: Delivery, body: BodyResult): Reply | Promise<Reply> {
    // The body arrived (or broke off, cut by the shutdown) after stop() began: whatever it holds,
    // VK delivers it again later, and no refusal is reported by a receiver that is stopping.
    if (stopping) return stoppingReply;
    if (!body.ok)
      return reject(body.status, body.status === 413 ? 'body_too_large' : 'unreadable_body', body.reason);
    let value: unknown;
    try {
      value = JSON.parse(body.text);
    } catch {
      return reject(400, 'invalid_json', 'invalid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return reject(400, 'invalid_shape', 'expected a JSON object');
    const raw = value as Record<string, unknown>;
    const groupId = raw.group_id;
    const type = raw.type;
    if (typeof groupId !== 'number' || !Number.isSafeInteger(groupId) || typeof type !== 'string')
      return reject(400, 'invalid_shape', 'expected type and group_id');
    const group = groups.get(groupId);
    if (!group) return reject(403, 'unknown_group', 'unknown group', { groupId });
    if (type === 'confirmation') {
      // VK may or may not send the secret here; a wrong one is still refused.
      if (raw.secret !== undefined && group.secret !== undefined && !secretMatches(group.secret, raw.secret))
        return reject(403, 'bad_secret', 'bad secret', { groupId });
      logger.info({ groupId }, 'callback confirmation requested');
      return reply(200, group.confirmation);
    }
    if (group.secret !== undefined && !secretMatches(group.secret, raw.secret))
      return reject(403, 'bad_secret', 'bad secret', { groupId });
    const eventId = raw.event_id;
    if (typeof eventId !== 'string' || eventId === '')
      return reject(400, 'invalid_shape', 'expected event_id', { groupId });
    const parsed = safeParseUpdate(raw, parseOptions);
    if (!parsed.success)
      return reject(400, 'invalid_update', `invalid update: ${parsed.error.code}`, { groupId, eventId });
    const counter = delivery.header('x-retry-counter');
    const retryCounter = counter === null ? 0 : Math.max(0, Number.parseInt(counter, 10) || 0);
    const context = new DeliveryContext(groupId, eventId, retryCounter, delivery);
    return claim(parsed.update, context);
  }

  /** Handles an update once: a redelivery gets the outcome of the handling it repeats. */
  function claim(update: VkParsedUpdate, context: DeliveryContext): Reply | Promise<Reply> {
    const key = `${context.groupId}:${context.eventId}`;
    const inFlight = running.get(key);
    if (inFlight) return withDeadline(inFlight.outcome, deadlineMs).then(answerFor);
    let claimed: DedupeClaim | Promise<DedupeClaim>;
    try {
      claimed = store.claim(key, leaseMs);
    } catch (error) {
      return storeUnavailable(context, error);
    }
    if (!isThenable(claimed)) return claimedAs(claimed, key, update, context);
    return Promise.resolve(claimed).then(
      (found) => claimedAs(found, key, update, context),
      (error: unknown) => storeUnavailable(context, error),
    );
  }

  function storeUnavailable(context: DeliveryContext, error: unknown): Reply {
    const { groupId, eventId } = context;
    logger.error({ groupId, eventId, err: errorText(error) }, 'dedupe store failed; asking VK to retry');
    return retry('dedupe store unavailable');
  }

  function claimedAs(
    claim: DedupeClaim,
    key: string,
    update: VkParsedUpdate,
    context: DeliveryContext,
  ): Reply | Promise<Reply> {
    if (claim.state === 'claimed') {
      if (!stopping) return dispatch(key, claim.owner, update, context);
      const released = record(key, claim.owner, STOPPED);
      return released ? released.then(() => stoppingReply) : stoppingReply;
    }
    if (claim.state === 'done') {
      const { groupId, eventId, retryCounter } = context;
      logger.debug({ groupId, eventId, retryCounter }, 'redelivery of a handled update');
      return OK_REPLY;
    }
    if (claim.state === 'in_progress') {
      // Handled by another process right now: its outcome decides, so ask VK to come back.
      const again = running.get(key);
      return again ? withDeadline(again.outcome, deadlineMs).then(answerFor) : retry('in progress');
    }
    return storeUnavailable(context, new TypeError(`the dedupe store answered an unknown claim state`));
  }

  /** Runs `onUpdate`; `ok` once it resolves, a retry answer when it fails or runs past the deadline. */
  function dispatch(
    key: string,
    owner: string,
    update: VkParsedUpdate,
    context: DeliveryContext,
  ): Reply | Promise<Reply> {
    let result: CallbackHandlerResult | PromiseLike<CallbackHandlerResult>;
    try {
      result = onUpdate(update, context);
    } catch (error) {
      result = Promise.reject(error);
    }
    if (!isThenable(result)) {
      // A synchronous handler: no deadline to watch, nothing can interleave.
      context.finished = true;
      const outcome = outcomeOf(result);
      const recorded = record(key, owner, outcome);
      return recorded ? recorded.then(() => answerFor(outcome)) : answerFor(outcome);
    }
    let resolve: (outcome: Outcome) => void = noop;
    const outcome = new Promise<Outcome>((settle) => {
      resolve = settle;
    });
    const handling: Handling = {
      key,
      owner,
      context,
      outcome,
      resolve,
      abandoned: false,
      recording: undefined,
    };
    running.set(key, handling);
    result.then(
      (value) => finish(handling, outcomeOf(value)),
      (error: unknown) => {
        if (!handling.abandoned)
          report(error, update, context, 'onUpdate failed; VK will redeliver the update');
        finish(handling, FAILED);
      },
    );
    return withDeadline(outcome, deadlineMs).then((got) => {
      if (got !== TIMED_OUT) return answerFor(got);
      context.abort(new CallbackDeadlineError(deadlineMs));
      report(new CallbackDeadlineError(deadlineMs), update, context, 'onUpdate ran past its deadline');
      return handlerFailed;
    });
  }

  /** A handler settled: its outcome goes to waiting requests and the store, unless it was abandoned. */
  function finish(handling: Handling, outcome: Outcome): void {
    handling.context.finished = true;
    if (handling.abandoned) return;
    handling.resolve(outcome);
    const recorded = record(handling.key, handling.owner, outcome);
    if (recorded) handling.recording = recorded.then(() => forget(handling));
    else forget(handling);
  }

  function forget(handling: Handling): void {
    if (running.get(handling.key) === handling) running.delete(handling.key);
    if (onIdle !== undefined) checkIdle();
  }

  /** Writes an outcome to the store: handled (`complete`) or not (`release`, so VK's retry is handled). */
  function record(key: string, owner: string, outcome: Outcome): Promise<void> | undefined {
    const handled = outcome.kind === 'ok';
    try {
      const held = handled ? store.complete(key, owner, dedupeTtlMs) : store.release(key, owner);
      if (!isThenable(held)) {
        if (!held && handled) claimLapsed(key);
        return undefined;
      }
      return Promise.resolve(held).then(
        (still) => {
          if (!still && handled) claimLapsed(key);
        },
        (error: unknown) => storeFailed(key, error),
      );
    } catch (error) {
      storeFailed(key, error);
      return undefined;
    }
  }

  function claimLapsed(key: string): void {
    logger.warn(
      { key, leaseMs },
      'dedupe claim lapsed before the handler finished and another handling took it: the update may have been handled twice',
    );
  }

  function storeFailed(key: string, error: unknown): void {
    logger.error({ key, err: errorText(error) }, 'dedupe store failed to record an outcome');
  }

  /** A handler's error: to `onError` when given, else to the logger (stderr by default). */
  function report(error: unknown, update: VkParsedUpdate, context: DeliveryContext, message: string): void {
    const { groupId, eventId } = context;
    if (onError) {
      try {
        onError(toError(error), update, context);
      } catch (thrown) {
        logger.error({ groupId, eventId, err: errorText(thrown) }, 'onError threw');
      }
      return;
    }
    logger.error({ groupId, eventId, type: update.type, err: errorText(error) }, message);
  }
}

const noop = (): void => {};

/**
 * What a handler's resolved value means: a reply made by `retryLater` or `removeServer`, or else
 * "handled". A core `UpdateHandler` may return anything TypeScript lets a void function return
 * (`queue.push(update)` gives a number), and that is the handler saying it is done, never a
 * failure that would make VK redeliver an update already handled.
 */
function outcomeOf(value: unknown): Outcome {
  if (typeof value !== 'object' || value === null) return OK;
  const reply = value as Partial<Record<keyof Extract<CallbackReply, { kind: 'retry' }>, unknown>>;
  if (reply.kind === 'remove') return value as CallbackReply;
  if (
    reply.kind === 'retry' &&
    typeof reply.afterSeconds === 'number' &&
    (reply.status === 503 || reply.status === 429 || reply.status === 410)
  )
    return value as CallbackReply;
  return OK;
}

/** The outcome, or `TIMED_OUT` once `ms` pass (the handling itself goes on). */
function withDeadline(outcome: Promise<Outcome>, ms: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms, TIMED_OUT);
    void outcome.then((got) => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}
