import type { Logger } from '@vkwire/api-client';
import { safeParseUpdate, type VkParsedUpdate } from '@vkwire/events-schema';
import { readBody } from './body.js';
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
  /** The HTTP request as received (headers, URL with its query string). */
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

/** Outcome of one handling, shared with redeliveries that arrive while it runs. */
type Outcome = { kind: 'ok' } | { kind: 'failed' } | CallbackReply;

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;
const OK: Outcome = { kind: 'ok' };
const FAILED: Outcome = { kind: 'failed' };
const OK_INIT: ResponseInit = { headers: TEXT };
const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;
const noop = (): void => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * The core of a Callback API endpoint as a web-standard function `Request → Response` that
 * ignores the path: the hono app, the route handler and the Node handler are built on it.
 *
 * @example
 * const receive = createCallbackReceiver({ groups: [{ groupId, secret, confirmation }], onUpdate });
 * export default { fetch: receive }; // a Worker, Deno.serve(receive), Bun.serve({ fetch: receive })
 */
export function createCallbackReceiver(
  options: CallbackReceiverOptions,
): (request: Request) => Promise<Response> {
  return buildReceiver(options).receive;
}

/** A receiver and a way to wait until its requests and handlers are done (for a clean close). */
export interface Receiver {
  /** Answers a request; `headers` are Node's raw request headers when at hand (cheaper than `request.headers`). */
  receive(
    request: Request,
    headers?: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<Response>;
  /** Resolves once no request is being answered and no handler runs. */
  drained(): Promise<void>;
}

/** @internal The receiver with its bookkeeping; `createCallbackReceiver` is the public face. */
export function buildReceiver(options: CallbackReceiverOptions): Receiver {
  const groups =
    options.groups instanceof CallbackGroups ? options.groups : new CallbackGroups(options.groups);
  const onUpdate = options.onUpdate;
  if (typeof onUpdate !== 'function')
    throw new TypeError('createCallbackReceiver: onUpdate must be a function');
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
  /** Handlings running in this process, so a redelivery can wait for the first one's outcome. */
  const running = new Map<string, Promise<Outcome>>();

  const reject = (
    status: number,
    reason: CallbackRejection,
    text: string,
    info: { groupId?: number; eventId?: string } = {},
  ): Response => {
    onRejected?.(reason, info);
    logger.warn({ reason, status, ...info }, `callback request refused: ${text}`);
    return new Response(text, { status, headers: TEXT });
  };
  const retry = (status: number, seconds: string, text: string): Response =>
    new Response(text, { status, headers: { ...TEXT, 'retry-after': seconds } });
  const answer = (outcome: Outcome): Response => {
    if (outcome.kind === 'ok') return new Response('ok', OK_INIT);
    if (outcome.kind === 'remove') return new Response('remove', { headers: TEXT });
    if (outcome.kind === 'retry') return retry(outcome.status, String(outcome.afterSeconds), 'retry later');
    return retry(503, errorRetryAfter, 'handler failed');
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

  return { drained, receive };

  async function receive(
    request: Request,
    headers?: Readonly<Record<string, string | string[] | undefined>>,
  ): Promise<Response> {
    active += 1;
    try {
      return await handle(request, headers);
    } finally {
      active -= 1;
      if (drainWaiters.length > 0) checkDrained();
    }
  }

  async function handle(
    request: Request,
    nodeHeaders: Readonly<Record<string, string | string[] | undefined>> | undefined,
  ): Promise<Response> {
    if (request.method !== 'POST') {
      onRejected?.('method_not_allowed', {});
      return new Response('POST only', { status: 405, headers: { ...TEXT, allow: 'POST' } });
    }
    const contentType = header(request, nodeHeaders, 'content-type');
    if (contentType !== null && contentType !== 'application/json' && !JSON_TYPE.test(contentType))
      return reject(415, 'unsupported_content_type', 'expected application/json');
    const declared = header(request, nodeHeaders, 'content-length');
    let text: string;
    if (declared !== null && bodyLimit >= Number(declared) && /^\d+$/.test(declared)) {
      // With a Content-Length the runtime itself keeps the body to that size: the fast path.
      try {
        text = await request.text();
      } catch {
        return reject(400, 'unreadable_body', 'unreadable body');
      }
    } else {
      const body = await readBody(request, bodyLimit, declared);
      if (!body.ok)
        return reject(body.status, body.status === 413 ? 'body_too_large' : 'unreadable_body', body.reason);
      text = body.text;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
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
      return new Response(group.confirmation, { headers: TEXT });
    }
    if (group.secret !== undefined && !secretMatches(group.secret, raw.secret))
      return reject(403, 'bad_secret', 'bad secret', { groupId });
    const eventId = raw.event_id;
    if (typeof eventId !== 'string' || eventId === '')
      return reject(400, 'invalid_shape', 'expected event_id', { groupId });
    const parsed = safeParseUpdate(raw, parseOptions);
    if (!parsed.success)
      return reject(400, 'invalid_update', `invalid update: ${parsed.error.code}`, { groupId, eventId });
    const update = parsed.update;

    const key = `${groupId}:${eventId}`;
    const counter = header(request, nodeHeaders, 'x-retry-counter');
    const retryCounter = counter === null ? 0 : Math.max(0, Number.parseInt(counter, 10) || 0);
    const inFlight = running.get(key);
    if (inFlight) return answer(await withDeadline(inFlight, deadlineMs));

    let claim: DedupeClaim;
    try {
      const claimed = store.claim(key, leaseMs);
      claim = typeof claimed === 'string' ? claimed : await claimed;
    } catch (error) {
      logger.error({ groupId, eventId, err: errorText(error) }, 'dedupe store failed; asking VK to retry');
      return retry(503, errorRetryAfter, 'dedupe store unavailable');
    }
    if (claim === 'done') {
      logger.debug({ groupId, eventId, retryCounter }, 'redelivery of a handled update');
      return answer(OK);
    }
    if (claim === 'in_progress') {
      // Handled by another process right now: its outcome decides, so ask VK to come back.
      const again = running.get(key);
      return again
        ? answer(await withDeadline(again, deadlineMs))
        : retry(503, errorRetryAfter, 'in progress');
    }

    const context = new Context(groupId, eventId, retryCounter, request);
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
      if (settled) await settled;
      return answer(outcome);
    }
    const handling = runHandler(result, update, context);
    running.set(key, handling);
    void handling.then(async (outcome) => {
      running.delete(key);
      await settle(key, outcome);
      checkDrained();
    });
    const outcome = await withDeadline(handling, deadlineMs);
    if (outcome.kind === 'failed' && !context.finished) {
      context.expire();
      logger.error({ groupId, eventId, type: update.type, deadlineMs }, 'onUpdate ran past its deadline');
      if (onError) onError(new Error(`onUpdate ran past ${deadlineMs} ms`), update, context);
    }
    return answer(outcome);
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
      const done = outcome.kind === 'ok' ? store.complete(key, dedupeTtlMs) : store.release(key);
      if (done) return done.then(undefined, (error: unknown) => storeFailed(key, error));
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

/** A request header, from Node's raw headers when given (building `request.headers` costs). */
function header(
  request: Request,
  nodeHeaders: Readonly<Record<string, string | string[] | undefined>> | undefined,
  name: string,
): string | null {
  if (!nodeHeaders) return request.headers.get(name);
  const value = nodeHeaders[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

function isThenable(value: unknown): value is PromiseLike<HandlerResult> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The handler's context; the AbortController is made only when a handler reads `signal`. */
class Context implements CallbackContext {
  finished = false;
  private controller: AbortController | undefined;
  private expired = false;

  constructor(
    readonly groupId: number,
    readonly eventId: string,
    readonly retryCounter: number,
    readonly request: Request,
  ) {}

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
