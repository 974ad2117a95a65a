import {
  createApiError,
  VkApiError,
  VkCaptchaError,
  VkClosedError,
  type VkErrorObject,
  VkNetworkError,
  VkResponseError,
} from './errors.js';
import { executeCode } from './execute-code.js';
import type { Logger } from './logger.js';
import type { RateLimiter, RateLimitGrant, RateLimitSlot } from './rate-limiter.js';

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call: it is rejected with the signal's reason (a send already on the wire may still land). */
  signal?: AbortSignal;
  /** `false` sends the call alone, never inside an `execute`. @default true */
  batch?: boolean;
  /** Milliseconds each HTTP attempt may take. @default the VkApi's `timeoutMs` */
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
  method: string;
  /** Legacy form: show `img`, answer `{ key }`. */
  sid?: string;
  img?: string;
  /** Current form: a person opens `redirectUri`; answer `{ successToken }`. */
  redirectUri?: string;
  /** How many captchas this call has met so far (1 on the first). */
  attempt: number;
  error: VkCaptchaError;
}

/** A captcha answer: the typed text (legacy) or the success token (current form); undefined gives up. */
export type CaptchaAnswer = { key: string } | { successToken: string } | undefined;

/** Solves a captcha so that the call can be repeated. */
export type CaptchaHandler = (challenge: CaptchaChallenge) => Promise<CaptchaAnswer>;

/** What the before-call hook sees. */
export interface CallInfo {
  method: string;
  /** Parameters without the access token. */
  params: Readonly<Record<string, string>>;
}

/** Request hooks for logging and metrics. */
export interface ApiHooks {
  /** Before a call is queued. */
  beforeCall?(info: CallInfo): void;
  /** After a call settled, once. */
  afterCall?(info: CallInfo & { durationMs: number; attempts: number; error?: Error }): void;
}

/** One attempt on the wire: VK's envelope, parsed. Network and non-JSON failures throw. */
export type WireResult =
  | { kind: 'response'; response: unknown; executeErrors: VkErrorObject[] }
  | { kind: 'error'; error: VkErrorObject };

/** What the engine needs from its VkApi. */
export interface EngineDeps {
  limiter: RateLimiter;
  slot(): RateLimitSlot;
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

interface Call {
  method: string;
  params: Record<string, string>;
  batchable: boolean;
  attempts: number;
  captchas: number;
  options: CallOptions;
  startedAt: number;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

const TRANSIENT_CODES = new Set([1, 6, 10]);

/**
 * Queues calls of one token, sends them at the rate the limiter allows, packs calls that wait
 * together into `execute` (up to `maxBatch`), maps results and `execute_errors` back to each
 * caller, and retries transient failures. Every call settles exactly once.
 */
export class RequestEngine {
  private queue: Call[] = [];
  private pumping = false;
  private busy = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: EngineDeps) {}

  /** Queues a call and resolves with its `response`. */
  call(
    method: string,
    params: Record<string, string>,
    options: CallOptions,
    batchable: boolean,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new VkClosedError(method));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    this.deps.hooks?.beforeCall?.({ method, params });
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
        resolve,
        reject,
      };
      options.signal?.addEventListener('abort', () => this.fail(call, toError(options.signal?.reason)), {
        once: true,
      });
      this.busy += 1;
      this.queue.push(call);
      this.schedule();
    });
  }

  /** Stops taking calls and resolves once every queued and in-flight call has settled. */
  close(): Promise<void> {
    this.closed = true;
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.pumping) return;
    this.pumping = true;
    // Start on the next microtask: calls issued in the same tick wait together and share a batch.
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.some((call) => !call.settled)) {
        let grant: RateLimitGrant;
        try {
          grant = await this.deps.limiter.acquire(this.deps.slot());
        } catch (error) {
          for (const call of this.queue.splice(0)) this.fail(call, toError(error));
          return;
        }
        const batch = this.takeBatch();
        if (batch.length > 0) void this.dispatch(batch, grant);
        else grant.done();
      }
    } finally {
      this.pumping = false;
      if (this.queue.some((call) => !call.settled)) this.schedule();
    }
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
    try {
      const params = single ? single.params : { code: executeCode(batch) };
      const timeoutMs = Math.max(...batch.map((call) => call.options.timeoutMs ?? this.deps.timeoutMs));
      const result = await this.deps
        .send(method, params, single?.options.signal, timeoutMs)
        .finally(() => grant.done());
      this.deps.logger.debug(
        { method, batch: batch.length, durationMs: Math.round(performance.now() - started) },
        'vk api request',
      );
      if (result.kind === 'error') {
        for (const call of batch)
          await this.failure(call, createApiError(result.error, call.method, call.params));
      } else if (single) {
        this.succeed(single, result.response);
      } else {
        await this.spread(batch, result.response, result.executeErrors);
      }
    } catch (error) {
      this.deps.logger.debug(
        { method, batch: batch.length, error: toError(error).message },
        'vk api request failed',
      );
      for (const call of batch) await this.failure(call, toError(error));
    }
  }

  /** Maps an execute answer to its callers: the n-th `false` is the n-th execute_errors entry. */
  private async spread(batch: Call[], response: unknown, executeErrors: VkErrorObject[]): Promise<void> {
    if (!Array.isArray(response) || response.length !== batch.length) {
      const error = new VkResponseError(
        'execute',
        200,
        JSON.stringify(response) ?? '',
        `expected an array of ${batch.length} results`,
      );
      for (const call of batch) await this.failure(call, error);
      return;
    }
    let nextError = 0;
    for (const [index, call] of batch.entries()) {
      const value: unknown = response[index];
      const innerError = value === false ? executeErrors[nextError] : undefined;
      if (innerError) {
        nextError += 1;
        await this.failure(call, createApiError(innerError, call.method, call.params));
      } else {
        this.succeed(call, value);
      }
    }
  }

  /** Retries what VK calls transient, asks the captcha handler about 14, fails the rest. */
  private async failure(call: Call, error: Error): Promise<void> {
    if (call.settled) return;
    if (error instanceof VkCaptchaError && this.deps.onCaptcha && call.captchas < 3) {
      call.captchas += 1;
      const answer = await this.deps
        .onCaptcha({
          method: call.method,
          attempt: call.captchas,
          error,
          ...(error.sid === undefined ? {} : { sid: error.sid }),
          ...(error.img === undefined ? {} : { img: error.img }),
          ...(error.redirectUri === undefined ? {} : { redirectUri: error.redirectUri }),
        })
        .catch(() => undefined);
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
        this.requeue(call, 0);
        return;
      }
    }
    if (isTransient(error) && call.attempts < this.deps.retry.attempts) {
      const { baseDelayMs, maxDelayMs, rateLimitDelayMs } = this.deps.retry;
      let delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (call.attempts - 1)) * (0.5 + Math.random() / 2);
      if (error instanceof VkApiError && error.code === 6) {
        delay = Math.max(delay, rateLimitDelayMs);
        this.deps.limiter.pause?.(this.deps.slot().key, rateLimitDelayMs);
      }
      this.deps.logger.debug(
        { method: call.method, attempt: call.attempts, delayMs: Math.round(delay), error: error.message },
        'vk api retry',
      );
      this.requeue(call, delay);
      return;
    }
    this.fail(call, error);
  }

  private requeue(call: Call, delayMs: number): void {
    const put = (): void => {
      if (call.settled) return;
      // Retries go first: they have waited longest.
      this.queue.unshift(call);
      this.schedule();
    };
    if (delayMs <= 0) put();
    else setTimeout(put, delayMs);
  }

  private succeed(call: Call, value: unknown): void {
    if (call.settled) return;
    call.settled = true;
    this.after(call);
    call.resolve(value);
  }

  private fail(call: Call, error: Error): void {
    if (call.settled) return;
    call.settled = true;
    this.after(call, error);
    call.reject(error);
  }

  private after(call: Call, error?: Error): void {
    this.deps.hooks?.afterCall?.({
      method: call.method,
      params: call.params,
      durationMs: performance.now() - call.startedAt,
      attempts: call.attempts,
      ...(error ? { error } : {}),
    });
    this.busy -= 1;
    if (this.busy === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function isTransient(error: Error): boolean {
  if (error instanceof VkApiError) return TRANSIENT_CODES.has(error.code);
  if (error instanceof VkNetworkError) return true;
  // A proxy's 5xx page or a garbled answer: VK itself answers JSON.
  if (error instanceof VkResponseError) return true;
  return false;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
