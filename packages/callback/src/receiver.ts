import type { Logger } from '@vkwire/api-client';
import { safeParseUpdate, type VkParsedUpdate } from '@vkwire/events-schema';
import type { BodyResult } from './body.js';
import { type CallbackDedupeStore, type DedupeClaim, MemoryDedupeStore } from './dedupe.js';
import type { CallbackReply } from './errors.js';
import { type CallbackGroupConfig, CallbackGroups, secretMatches } from './groups.js';

/** What a handler learns about the delivery besides the update. */
export interface CallbackContext {
  /** The community the update belongs to. */
  readonly groupId: number;
  /** VK's id of the update (the deduplication key). */
  readonly eventId: string;
  /** VK's `X-Retry-Counter`: how many earlier deliveries of this update failed (0 on the first). */
  readonly retryCounter: number;
  /**
   * The HTTP request as received: headers, URL with its query string, the body as text. On Node
   * it is built on first read, so a handler that never looks at it pays nothing.
   */
  readonly request: Request;
  /** Aborted when the deadline passes and VK is told to retry. */
  readonly signal: AbortSignal;
}

/**
 * Handles one update. Resolve when the update is safe (handled, or written to your queue): only
 * then does VK get `ok`. Throw (or reject) to make VK deliver it again; return `retryLater(s)` to
 * choose the delay, or `removeServer()` to make VK delete this callback server.
 */
export type CallbackUpdateHandler = (
  update: VkParsedUpdate,
  context: CallbackContext,
) => HandlerResult | Promise<HandlerResult>;

// biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing means "ok".
type HandlerResult = void | CallbackReply;

/** What was wrong with a request that was refused (for `onRejected` and logs). */
export type CallbackRejection =
  | 'method_not_allowed'
  | 'unsupported_content_type'
  | 'body_too_large'
  | 'unreadable_body'
  | 'invalid_json'
  | 'invalid_shape'
  | 'unknown_group'
  | 'bad_secret'
  | 'invalid_update';

/** Options shared by every way of running a callback receiver. */
export interface CallbackReceiverOptions {
  /** The communities served, with their secrets and confirmation codes (an array, or a live registry). */
  groups: readonly CallbackGroupConfig[] | CallbackGroups;
  /** Called once per update (redeliveries of a handled update are answered `ok` without it). */
  onUpdate: CallbackUpdateHandler;
  /**
   * Milliseconds `onUpdate` may take. Past it VK is asked to retry (503 + `Retry-After`); the
   * handler keeps its claim, so the redelivery is answered by its outcome, never handled twice.
   * @default 4000
   */
  deadlineMs?: number;
  /** `Retry-After` seconds sent when `onUpdate` fails or times out. @default 10 */
  errorRetryAfterSeconds?: number;
  /** Largest accepted body in bytes; larger ones get 413 while being read. @default 1048576 (1 MiB) */
  bodyLimit?: number;
  /** Check each update with events-schema (drift-tolerant). @default true */
  validate?: boolean;
  /** Where handled `event_id`s are remembered. @default a new MemoryDedupeStore() */
  dedupe?: CallbackDedupeStore;
  /** How long a handled `event_id` is remembered (VK retries for ~2 h, Retry-After up to 3 h). @default 21600000 (6 h) */
  dedupeTtlMs?: number;
  /** Called for every refused request (for metrics); never sees the secret. */
  onRejected?: (reason: CallbackRejection, info: { groupId?: number; eventId?: string }) => void;
  /** Called when `onUpdate` throws or times out (besides the log line). */
  onError?: (error: unknown, update: VkParsedUpdate, context: CallbackContext) => void;
  /** Logs (pino-compatible); secrets are never logged. @default silent */
  logger?: Logger;
}

/**
 * One HTTP request as the core sees it, whatever server carried it: a web `Request` (hono,
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

/**
 * An answer, written by each transport its own way. `headers` always has the content type.
 * @internal
 */
export interface Reply {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The receiver behind every entry point, and a way to wait until it is idle (for a clean close). */
export interface Receiver {
  /** Answers one request (synchronously when nothing had to be waited for); never rejects. */
  answer(delivery: Delivery): Reply | Promise<Reply>;
  /** Resolves once no request is being answered and no handler runs. */
  drained(): Promise<void>;
}

/** Outcome of one handling, shared with redeliveries that arrive while it runs. */
type Outcome = { kind: 'ok' } | { kind: 'failed' } | CallbackReply;

const TEXT_TYPE = 'text/plain; charset=utf-8';
const TEXT_HEADERS: Readonly<Record<string, string>> = { 'content-type': TEXT_TYPE };
const OK: Outcome = { kind: 'ok' };
const FAILED: Outcome = { kind: 'failed' };
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;
const DIGITS = /^\d+$/;
const noop = (): void => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** A text reply; extra headers are added to the content type. */
export function reply(status: number, text: string, extra?: Record<string, string>): Reply {
  return { status, text, headers: extra ? { 'content-type': TEXT_TYPE, ...extra } : TEXT_HEADERS };
}

const OK_REPLY = reply(200, 'ok');
const REMOVE_REPLY = reply(200, 'remove');
const NOT_POST = reply(405, 'POST only', { allow: 'POST' });

/** @internal Builds the receiver; the public entry points wrap it for their transport. */
export function buildReceiver(options: CallbackReceiverOptions): Receiver {
  const groups =
    options.groups instanceof CallbackGroups ? options.groups : new CallbackGroups(options.groups);
  const onUpdate = options.onUpdate;
  if (typeof onUpdate !== 'function') throw new TypeError('callback receiver: onUpdate must be a function');
  const deadlineMs = options.deadlineMs ?? 4000;
  const errorRetryAfter = String(options.errorRetryAfterSeconds ?? 10);
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const validate = options.validate ?? true;
  const parseOptions = { validate };
  const store = options.dedupe ?? new MemoryDedupeStore();
  const dedupeTtlMs = options.dedupeTtlMs ?? 6 * 3600 * 1000;
  // A claim outlives the handler's deadline by far: it lapses only when a process died holding it.
  const leaseMs = Math.max(60_000, deadlineMs * 4);
  const logger = options.logger ?? silent;
  const onRejected = options.onRejected;
  const onError = options.onError;
  const handlerFailed = reply(503, 'handler failed', { 'retry-after': errorRetryAfter });
  /** Handlings running in this process, so a redelivery can wait for the first one's outcome. */
  const running = new Map<string, Promise<Outcome>>();

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
  const retry = (seconds: string, text: string): Reply => reply(503, text, { 'retry-after': seconds });
  const answerFor = (outcome: Outcome): Reply => {
    if (outcome.kind === 'ok') return OK_REPLY;
    if (outcome.kind === 'remove') return REMOVE_REPLY;
    if (outcome.kind === 'retry')
      return reply(outcome.status, 'retry later', { 'retry-after': String(outcome.afterSeconds) });
    return handlerFailed;
  };

  let active = 0;
  let drainWaiters: Array<() => void> = [];
  const drained = (): Promise<void> =>
    active === 0 && running.size === 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          drainWaiters.push(resolve);
        });
  const checkDrained = (): void => {
    if (active !== 0 || running.size !== 0 || drainWaiters.length === 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const waiter of waiters) waiter();
  };

  return { answer, drained };

  function answer(delivery: Delivery): Reply | Promise<Reply> {
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
    if (drainWaiters.length > 0) checkDrained();
    return result;
  }

  /** Not expected (every step handles its own failures), but a request is never left hanging. */
  function failed(error: unknown): Reply {
    logger.error({ err: errorText(error) }, 'callback receiver failed');
    return retry(errorRetryAfter, 'internal error');
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
    const context = new Context(groupId, eventId, retryCounter, delivery);
    return claim(parsed.update, context);
  }

  /** Handles an update once: a redelivery gets the outcome of the handling it repeats. */
  function claim(update: VkParsedUpdate, context: Context): Reply | Promise<Reply> {
    const key = `${context.groupId}:${context.eventId}`;
    const inFlight = running.get(key);
    if (inFlight) return withDeadline(inFlight, deadlineMs).then(answerFor);
    let claimed: DedupeClaim | Promise<DedupeClaim>;
    try {
      claimed = store.claim(key, leaseMs);
    } catch (error) {
      return storeUnavailable(context, error);
    }
    if (typeof claimed === 'string') return claimedAs(claimed, key, update, context);
    return claimed.then(
      (found) => claimedAs(found, key, update, context),
      (error: unknown) => storeUnavailable(context, error),
    );
  }

  function storeUnavailable(context: Context, error: unknown): Reply {
    const { groupId, eventId } = context;
    logger.error({ groupId, eventId, err: errorText(error) }, 'dedupe store failed; asking VK to retry');
    return retry(errorRetryAfter, 'dedupe store unavailable');
  }

  function claimedAs(
    claim: DedupeClaim,
    key: string,
    update: VkParsedUpdate,
    context: Context,
  ): Reply | Promise<Reply> {
    if (claim === 'done') {
      const { groupId, eventId, retryCounter } = context;
      logger.debug({ groupId, eventId, retryCounter }, 'redelivery of a handled update');
      return OK_REPLY;
    }
    if (claim === 'in_progress') {
      // Handled by another process right now: its outcome decides, so ask VK to come back.
      const again = running.get(key);
      return again ? withDeadline(again, deadlineMs).then(answerFor) : retry(errorRetryAfter, 'in progress');
    }
    return dispatch(key, update, context);
  }

  /** Runs `onUpdate`; `ok` once it resolves, a retry answer when it fails or runs past the deadline. */
  function dispatch(key: string, update: VkParsedUpdate, context: Context): Reply | Promise<Reply> {
    let result: ReturnType<CallbackUpdateHandler>;
    try {
      result = onUpdate(update, context);
    } catch (error) {
      result = Promise.reject(error);
    }
    if (!isThenable(result)) {
      // A synchronous handler: no deadline to watch, nothing can interleave.
      context.finished = true;
      const outcome: Outcome = result ?? OK;
      const settled = settle(key, outcome);
      return settled ? settled.then(() => answerFor(outcome)) : answerFor(outcome);
    }
    const handling = runHandler(result, update, context);
    running.set(key, handling);
    void handling.then(async (outcome) => {
      running.delete(key);
      await settle(key, outcome);
      checkDrained();
    });
    return withDeadline(handling, deadlineMs).then((outcome) => {
      if (outcome.kind === 'failed' && !context.finished) {
        context.expire();
        const { groupId, eventId } = context;
        logger.error({ groupId, eventId, type: update.type, deadlineMs }, 'onUpdate ran past its deadline');
        if (onError) onError(new Error(`onUpdate ran past ${deadlineMs} ms`), update, context);
      }
      return answerFor(outcome);
    });
  }

  async function runHandler(
    pending: PromiseLike<HandlerResult>,
    update: VkParsedUpdate,
    context: Context,
  ): Promise<Outcome> {
    try {
      const result = await pending;
      return result ?? OK;
    } catch (error) {
      logger.error(
        { groupId: context.groupId, eventId: context.eventId, type: update.type, err: errorText(error) },
        'onUpdate failed; VK will retry',
      );
      if (onError) onError(error, update, context);
      return FAILED;
    } finally {
      context.finished = true;
    }
  }

  function settle(key: string, outcome: Outcome): void | Promise<void> {
    try {
      const recorded = outcome.kind === 'ok' ? store.complete(key, dedupeTtlMs) : store.release(key);
      if (recorded) return recorded.then(undefined, (error: unknown) => storeFailed(key, error));
    } catch (error) {
      storeFailed(key, error);
    }
  }

  function storeFailed(key: string, error: unknown): void {
    logger.error({ key, err: errorText(error) }, 'dedupe store failed to record an outcome');
  }
}

/** The handler's outcome, or `failed` once `ms` pass (the handling itself goes on). */
function withDeadline(handling: Promise<Outcome>, ms: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(FAILED), ms);
    void handling.then((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
}

function isThenable(value: unknown): value is PromiseLike<HandlerResult> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The handler's context; the AbortController and the Request are made only when read. */
class Context implements CallbackContext {
  finished = false;
  private controller: AbortController | undefined;
  private expired = false;

  constructor(
    readonly groupId: number,
    readonly eventId: string,
    readonly retryCounter: number,
    private readonly delivery: Delivery,
  ) {}

  get request(): Request {
    return this.delivery.toRequest();
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.expired) this.controller.abort(new Error('callback deadline passed'));
    return this.controller.signal;
  }

  expire(): void {
    this.expired = true;
    this.controller?.abort(new Error('callback deadline passed'));
  }
}
