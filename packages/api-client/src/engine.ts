import { type Logger, type MaybePromise, toError, VkwireConfigError } from '@vkwire/core';
import {
  createApiError,
  VkApiError,
  VkCaptchaError,
  VkClosedError,
  VkEndpointError,
  type VkErrorObject,
  VkNetworkError,
  VkResponseError,
} from './errors.js';
import { executeCode } from './execute-code.js';
import type { RateLimiter, RateLimitGrant, RateLimitSlot } from './rate-limiter.js';

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call: it is rejected with the signal's reason (a send already on the wire may still land). */
  signal?: AbortSignal;
  /** `false` sends the call alone, never inside an `execute`. @default true */
  batch?: boolean;
  /**
   * Milliseconds each HTTP attempt may take (fractions are rounded up; `Infinity`: no limit). A
   * value that is not a positive number fails the call with VkwireConfigError.
   * @default the VkApi's `timeoutMs`
   */
  timeoutMs?: number;
}

/** Retry policy for transient failures (errors 1, 6, 10, HTTP 5xx, network errors and timeouts). */
export interface RetryOptions {
  /** Tries in all, the first included. @default 5 */
  attempts?: number;
  /** First backoff in milliseconds; doubles each retry, with jitter. @default 200 */
  baseDelayMs?: number;
  /** Longest backoff. @default 5000 */
  maxDelayMs?: number;
  /** Least wait after error 6 (VK asks for about a second). @default 1000 */
  rateLimitDelayMs?: number;
}

/** What a captcha handler gets. */
export interface CaptchaChallenge {
  /** The method that met the captcha. */
  method: string;
  /** Legacy form: show `img`, answer `{ key }`. */
  sid?: string;
  /** Legacy form: the captcha picture's URL. */
  img?: string;
  /** Current form: a person opens `redirectUri`; answer `{ successToken }`. */
  redirectUri?: string;
  /** How many captchas this call has met so far (1 on the first). */
  attempt: number;
  /** The error VK answered (the call fails with it when the handler gives up). */
  error: VkCaptchaError;
}

/** A captcha answer: the typed text (legacy) or the success token (current form); undefined gives up. */
export type CaptchaAnswer = { key: string } | { successToken: string } | undefined;

/** Solves a captcha so that the call can be repeated. */
export type CaptchaHandler = (challenge: CaptchaChallenge) => Promise<CaptchaAnswer>;

/** What the before-call hook sees. */
export interface CallInfo {
  /** The method, e.g. `messages.send` (the inner method for calls batched into `execute`). */
  method: string;
  /** Parameters without the access token. */
  params: Readonly<Record<string, string>>;
}

/** What the after-call hook sees. */
export interface CallOutcome extends CallInfo {
  /** From the call to its settling, retries and waits for the rate limit included. */
  durationMs: number;
  /** HTTP attempts the call took (0 when it never went out). */
  attempts: number;
  /** Why the call failed; absent when it succeeded. */
  error?: Error;
}

/** What the retry hook sees: an attempt that failed and is tried again. */
export interface RetryInfo extends CallInfo {
  /** The attempt that failed (1 for the first). */
  attempt: number;
  /** How long the call waits before the next attempt. */
  delayMs: number;
  /** Why it failed: a transient VK error (1, 6, 10), a network error, a timeout or an HTTP 5xx page. */
  error: Error;
}

/**
 * Request hooks for logging and metrics. A hook that throws (or rejects) never affects the call:
 * its error goes to the logger (stderr when there is none).
 */
export interface ApiHooks {
  /** Before a call is queued. */
  beforeCall?(info: CallInfo): void;
  /** After a call settled, once, right after the caller got its outcome. */
  afterCall?(info: CallOutcome): void;
  /**
   * After an attempt failed and before it is retried: what `afterCall` alone never shows (error 6
   * storms a retry absorbed, for instance).
   */
  onRetry?(info: RetryInfo): void;
}

/** One attempt on the wire: VK's envelope, parsed. Network and non-JSON failures throw. */
export type WireResult =
  | { kind: 'response'; response: unknown; executeErrors: VkErrorObject[] }
  | { kind: 'error'; error: VkErrorObject };

/** What the engine needs from its VkApi. */
export interface EngineDeps {
  limiter: RateLimiter;
  /** The token's key and rate (the engine adds the lease). */
  slot(): Omit<RateLimitSlot, 'leaseMs'>;
  batching(): boolean;
  send(
    method: string,
    params: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<WireResult>;
  retry: Required<RetryOptions>;
  onCaptcha: CaptchaHandler | undefined;
  hooks: ApiHooks | undefined;
  logger: Logger;
  timeoutMs: number;
  maxBatch: number;
}

/** Calls of one failed request waiting for their retry together, on one timer. */
interface RetryGroup {
  timer: ReturnType<typeof setTimeout> | undefined;
  calls: Set<Call>;
}

/** What a failed request's calls decided: who is tried again, after how long (one backoff each request). */
interface Retries {
  /** The backoff's random factor, one per request so its calls keep their order. */
  readonly jitter: number;
  readonly calls: Array<{ call: Call; delayMs: number }>;
}

interface Call {
  method: string;
  params: Record<string, string>;
  batchable: boolean;
  attempts: number;
  captchas: number;
  options: CallOptions;
  startedAt: number;
  settled: boolean;
  /** The listener on the caller's signal, removed when the call settles. */
  onAbort: (() => void) | undefined;
  /** Order of issue: the queue is kept in it, retries included. */
  seq: number;
  /** The retry it waits for (shared with the calls of its request), left when the call settles. */
  retry: RetryGroup | undefined;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const TRANSIENT_CODES = new Set([1, 6, 10]);
/** Errors of an execute as a whole (compile, runtime) that its calls sent alone would not meet. */
const BATCH_FAILURE_CODES = new Set([12, 13]);

/** Added to the longest attempt timeout for a grant's lease: reading the answer takes a moment too. */
const LEASE_MARGIN_MS = 2000;

/**
 * Queues calls of one token, sends them at the rate the limiter allows, packs calls that wait
 * together into `execute` (up to `maxBatch`), maps results and `execute_errors` back to each
 * caller, and retries transient failures. Every call settles exactly once.
 */
export class RequestEngine {
  /** Calls waiting to go, in order of issue (`seq`). */
  private queue: Call[] = [];
  private nextSeq = 0;
  private pumping = false;
  /** Calls not settled yet: queued, waiting to be queued, in flight or waiting for a retry. */
  private readonly open = new Set<Call>();
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  /** Aborts the limiter wait in progress (when nothing is left to wait for). */
  private waiting: AbortController | undefined;
  /** The longest per-attempt timeout of any call so far: a grant's lease must outlast it. */
  private longestTimeoutMs: number;

  constructor(private readonly deps: EngineDeps) {
    this.longestTimeoutMs = deps.timeoutMs;
  }

  /**
   * Queues a call and resolves with its `response`. With `after`, the call counts as queued at
   * once (close() waits for it) but joins the queue only when `after` settles.
   */
  call(
    method: string,
    params: Record<string, string>,
    options: CallOptions,
    batchable: boolean,
    after?: Promise<unknown>,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new VkClosedError(method));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0))
      return Promise.reject(
        new VkwireConfigError(
          `VkApi call of ${method}`,
          'timeoutMs',
          'a positive number of milliseconds (or Infinity)',
          {
            got: timeoutMs,
          },
        ),
      );
    // A grant's lease outlasts the longest finite timeout; a call without one may outlive its lease.
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs) && timeoutMs > this.longestTimeoutMs)
      this.longestTimeoutMs = timeoutMs;
    const hooks = this.deps.hooks;
    if (hooks?.beforeCall) this.runHook('beforeCall', method, () => hooks.beforeCall?.({ method, params }));
    return new Promise((resolve, reject) => {
      const call: Call = {
        method,
        params,
        batchable: batchable && options.batch !== false,
        attempts: 0,
        captchas: 0,
        options,
        startedAt: performance.now(),
        settled: false,
        onAbort: undefined,
        seq: this.nextSeq++,
        retry: undefined,
        resolve,
        reject,
      };
      if (signal) {
        call.onAbort = () => this.fail(call, toError(signal.reason));
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.open.add(call);
      if (after) {
        const enqueue = (): void => this.enqueue(call);
        void after.then(enqueue, enqueue);
      } else this.enqueue(call);
    });
  }

  /**
   * Stops taking calls and resolves once every queued and in-flight call has settled, or after
   * `timeoutMs`: calls still open then fail with VkClosedError. Resolves with how many did.
   */
  async close(timeoutMs: number): Promise<number> {
    this.closed = true;
    if (this.open.size === 0) return 0;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = Number.isFinite(timeoutMs)
      ? new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        })
      : idle;
    const settled = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (settled) return 0;
    const abandoned = [...this.open];
    for (const call of abandoned) this.fail(call, new VkClosedError(call.method, true));
    return abandoned.length;
  }

  private enqueue(call: Call): void {
    if (call.settled) return;
    this.queue.push(call);
    this.schedule();
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    // Start on the next microtask: calls issued in the same tick wait together and share a batch.
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      while (this.hasQueued()) {
        const grant = await this.acquire();
        if (!grant) continue;
        const batch = this.takeBatch();
        if (batch.length > 0) void this.dispatch(batch, grant);
        else this.release(grant);
      }
    } finally {
      this.pumping = false;
      if (this.hasQueued()) this.schedule();
    }
  }

  private hasQueued(): boolean {
    return this.queue.some((call) => !call.settled);
  }

  /**
   * One grant for whatever heads the queue when it comes. The wait is aborted when no queued call
   * is left to use it (aborted calls, close() giving up); a limiter that fails fails only the
   * call at the head.
   */
  private async acquire(): Promise<RateLimitGrant | undefined> {
    const controller = new AbortController();
    this.waiting = controller;
    try {
      const slot: RateLimitSlot = { ...this.deps.slot(), leaseMs: this.longestTimeoutMs + LEASE_MARGIN_MS };
      return await this.untilAborted(this.deps.limiter.acquire(slot, controller.signal), controller.signal);
    } catch (error) {
      if (controller.signal.aborted) return undefined;
      const head = this.queue.find((call) => !call.settled);
      this.deps.logger.warn(
        { method: head?.method, error: toError(error) },
        'vk api rate limiter failed to grant a request; the call fails',
      );
      if (head) this.fail(head, toError(error));
      return undefined;
    } finally {
      this.waiting = undefined;
    }
  }

  /** The grant, or a rejection with `signal.reason` as soon as it aborts (a later grant is handed back). */
  private untilAborted(
    pending: MaybePromise<RateLimitGrant>,
    signal: AbortSignal,
  ): MaybePromise<RateLimitGrant> {
    if (!isThenable(pending)) return pending;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      Promise.resolve(pending).then(
        (grant) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) this.release(grant);
          else resolve(grant);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Tells the limiter a request is over; a limiter that fails to hear it is logged, not fatal. */
  private release(grant: RateLimitGrant): void {
    this.quietly('vk api rate limiter failed to release a grant (its lease frees it)', () => grant.done());
  }

  /** Up to maxBatch batchable calls from the head, or the head alone. Aborted calls are dropped. */
  private takeBatch(): Call[] {
    this.queue = this.queue.filter((call) => !call.settled);
    const head = this.queue[0];
    if (!head) return [];
    if (!head.batchable || !this.deps.batching()) return this.queue.splice(0, 1);
    let count = 0;
    while (count < this.queue.length && count < this.deps.maxBatch && this.queue[count]?.batchable)
      count += 1;
    return this.queue.splice(0, count);
  }

  private async dispatch(batch: Call[], grant: RateLimitGrant): Promise<void> {
    const started = performance.now();
    const single = batch.length === 1 ? batch[0] : undefined;
    const method = single ? single.method : 'execute';
    for (const call of batch) call.attempts += 1;
    const retries = newRetries();
    try {
      const params = single ? single.params : { code: executeCode(batch) };
      const timeoutMs = Math.max(...batch.map((call) => call.options.timeoutMs ?? this.deps.timeoutMs));
      const result = await this.deps
        .send(method, params, single?.options.signal, timeoutMs)
        .finally(() => this.release(grant));
      this.deps.logger.debug(
        { method, batch: batch.length, durationMs: Math.round(performance.now() - started) },
        'vk api request',
      );
      if (result.kind === 'error' && !single && BATCH_FAILURE_CODES.has(result.error.error_code)) {
        this.unbatch(batch, result.error);
      } else if (result.kind === 'error') {
        for (const call of batch)
          await this.failure(call, createApiError(result.error, call.method, call.params), retries);
      } else if (single) {
        this.succeed(single, result.response);
      } else {
        await this.spread(batch, result.response, result.executeErrors, retries);
      }
    } catch (error) {
      this.deps.logger.debug(
        { method, batch: batch.length, error: toError(error).message },
        'vk api request failed',
      );
      for (const call of batch) await this.failure(call, toError(error), retries);
    }
    this.requeue(retries.calls);
  }
  /**
   * The execute the client built failed as a whole (12, 13: one of VK's execute limits, which the
   * same calls alone do not meet). Batching must never fail a call: each is sent again alone.
   */
  private unbatch(batch: Call[], error: VkErrorObject): void {
    this.deps.logger.warn(
      { batch: batch.length, code: error.error_code, vkMessage: error.error_msg },
      'vk api execute batch failed as a whole; its calls are sent one by one',
    );
    for (const call of batch) call.batchable = false;
    this.requeue(batch.map((call) => ({ call, delayMs: 0 })));
  }

  /** Maps an execute answer to its callers: the n-th `false` is the n-th execute_errors entry. */
  private async spread(
    batch: Call[],
    response: unknown,
    executeErrors: VkErrorObject[],
    retries: Retries,
  ): Promise<void> {
    if (!Array.isArray(response) || response.length !== batch.length) {
      const error = new VkResponseError(
        'execute',
        200,
        JSON.stringify(response) ?? '',
        `expected an array of ${batch.length} results`,
      );
      for (const call of batch) await this.failure(call, error, retries);
      return;
    }
    let nextError = 0;
    for (const [index, call] of batch.entries()) {
      const value: unknown = response[index];
      const innerError = value === false ? executeErrors[nextError] : undefined;
      if (innerError?.error_code === 14) {
        // VK reports an inner captcha without its sid, picture or redirect_uri: nothing anyone could
        // solve. Alone, the call meets the captcha with the whole challenge.
        nextError += 1;
        call.batchable = false;
        retries.calls.push({ call, delayMs: 0 });
      } else if (innerError) {
        nextError += 1;
        await this.failure(call, createApiError(innerError, call.method, call.params), retries);
      } else {
        this.succeed(call, value);
      }
    }
  }

  /**
   * Retries what VK calls transient, asks the captcha handler about 14, fails the rest. A call to
   * try again is added to `retries`; the caller puts them back in the queue together.
   */
  private async failure(call: Call, error: Error, retries: Retries): Promise<void> {
    if (call.settled) return;
    if (error instanceof VkCaptchaError && this.deps.onCaptcha && call.captchas < 3) {
      call.captchas += 1;
      const onCaptcha = this.deps.onCaptcha;
      const challenge = {
        method: call.method,
        attempt: call.captchas,
        error,
        ...(error.sid === undefined ? {} : { sid: error.sid }),
        ...(error.img === undefined ? {} : { img: error.img }),
        ...(error.redirectUri === undefined ? {} : { redirectUri: error.redirectUri }),
      };
      // A handler that throws gives up this captcha; its error is logged, the call gets VK's.
      const answer = await Promise.resolve()
        .then(() => onCaptcha(challenge))
        .catch((handlerError: unknown) => {
          this.deps.logger.error(
            { method: call.method, error: toError(handlerError) },
            'vk api onCaptcha threw; the call fails with the captcha error',
          );
          return undefined;
        });
      if (answer) {
        if ('key' in answer)
          Object.assign(call.params, { captcha_sid: error.sid ?? '', captcha_key: answer.key });
        else
          Object.assign(call.params, {
            success_token: answer.successToken,
            ...(error.remixstlid ? { remixstlid: error.remixstlid } : {}),
          });
        // A captcha answer belongs to one request: send this call alone.
        call.batchable = false;
        retries.calls.push({ call, delayMs: 0 });
        return;
      }
    }
    if (isTransient(error) && call.attempts < this.deps.retry.attempts) {
      const { baseDelayMs, maxDelayMs, rateLimitDelayMs } = this.deps.retry;
      let delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (call.attempts - 1)) * retries.jitter;
      if (error instanceof VkApiError && error.code === 6) {
        delay = Math.max(delay, rateLimitDelayMs);
        const limiter = this.deps.limiter;
        if (limiter.pause) {
          const key = this.deps.slot().key;
          this.quietly('vk api rate limiter failed to pause', () => limiter.pause?.(key, rateLimitDelayMs));
        }
      }
      this.deps.logger.debug(
        { method: call.method, attempt: call.attempts, delayMs: Math.round(delay), error: error.message },
        'vk api retry',
      );
      const hooks = this.deps.hooks;
      if (hooks?.onRetry) {
        const info: RetryInfo = {
          method: call.method,
          params: call.params,
          attempt: call.attempts,
          delayMs: Math.round(delay),
          error,
        };
        this.runHook('onRetry', call.method, () => hooks.onRetry?.(info));
      }
      retries.calls.push({ call, delayMs: delay });
      return;
    }
    this.fail(call, error);
  }

  /**
   * Puts the calls of one failed request back in the queue together, after the longest of their
   * delays, each at its place in the order of issue: ahead of every call issued after it (retries
   * have waited longest), and a batch's calls in the order they were asked for.
   */
  private requeue(retries: ReadonlyArray<{ call: Call; delayMs: number }>): void {
    if (retries.length === 0) return;
    const calls = retries.map(({ call }) => call);
    const put = (): void => {
      for (const call of calls) {
        if (call.settled) continue;
        call.retry = undefined;
        const at = this.queue.findIndex((queued) => queued.seq > call.seq);
        if (at === -1) this.queue.push(call);
        else this.queue.splice(at, 0, call);
      }
      this.schedule();
    };
    const delayMs = Math.max(...retries.map((retry) => retry.delayMs));
    if (delayMs <= 0) {
      put();
      return;
    }
    const group: RetryGroup = { timer: undefined, calls: new Set(calls) };
    for (const call of calls) call.retry = group;
    group.timer = setTimeout(() => {
      group.timer = undefined;
      put();
    }, delayMs);
  }

  private succeed(call: Call, value: unknown): void {
    if (!this.settle(call)) return;
    call.resolve(value);
    this.after(call);
  }

  private fail(call: Call, error: Error): void {
    if (!this.settle(call)) return;
    call.reject(error);
    this.after(call, error);
  }

  /** Marks the call settled and lets go of everything it held; false when it already was. */
  private settle(call: Call): boolean {
    if (call.settled) return false;
    call.settled = true;
    if (call.onAbort) call.options.signal?.removeEventListener('abort', call.onAbort);
    // It no longer waits for a retry: once no call does, the retry's timer goes (none fires later).
    const retry = call.retry;
    if (retry) {
      call.retry = undefined;
      retry.calls.delete(call);
      if (retry.calls.size === 0 && retry.timer !== undefined) clearTimeout(retry.timer);
    }
    this.open.delete(call);
    // Nothing queued is left to use the grant being waited for: stop waiting.
    if (this.waiting && !this.hasQueued()) this.waiting.abort();
    return true;
  }

  /** Runs the after-call hook once the caller has its outcome; then wakes close() when idle. */
  private after(call: Call, error?: Error): void {
    const hooks = this.deps.hooks;
    if (hooks?.afterCall)
      this.runHook('afterCall', call.method, () =>
        hooks.afterCall?.({
          method: call.method,
          params: call.params,
          durationMs: performance.now() - call.startedAt,
          attempts: call.attempts,
          ...(error ? { error } : {}),
        }),
      );
    if (this.open.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** A user hook: whatever it throws or rejects goes to the logger, never to the call. */
  private runHook(name: keyof ApiHooks, method: string, run: () => unknown): void {
    this.quietly(`vk api ${name} hook threw; the call is not affected`, run, { hook: name, method });
  }

  /** Runs `run`; a throw or a rejected promise it returns is logged as an error. */
  private quietly(message: string, run: () => unknown, fields: Record<string, unknown> = {}): void {
    const report = (error: unknown): void =>
      this.deps.logger.error({ ...fields, error: toError(error) }, message);
    try {
      const result = run();
      if (isThenable(result)) Promise.resolve(result).catch(report);
    } catch (error) {
      report(error);
    }
  }
}

function newRetries(): Retries {
  return { jitter: 0.5 + Math.random() / 2, calls: [] };
}

function isThenable<T>(value: MaybePromise<T> | unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | undefined)?.then === 'function';
}

function isTransient(error: Error): boolean {
  if (error instanceof VkApiError) return TRANSIENT_CODES.has(error.code);
  if (error instanceof VkNetworkError) return true;
  // A wrong base URL answers the same every time: retrying only hides the hint.
  if (error instanceof VkEndpointError) return false;
  // A proxy's 5xx page or a garbled answer: VK itself answers JSON.
  if (error instanceof VkResponseError) return true;
  return false;
}
