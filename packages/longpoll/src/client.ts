import {
  type CheckpointStore,
  defaultLogger,
  errorText,
  type Finished,
  type Logger,
  type StopResult,
  sleep,
  toError,
  type UpdateContext,
  type UpdateHandler,
  type UpdateSource,
  VkwireConfigError,
} from '@vkwire/core';
import { ANSWERS_AHEAD, type LongPollGap, PollEngine, type PollSource } from './engine.js';
import { isFatal, LongPollMalformedUpdateError, LongPollStateError } from './errors.js';
import { END, HandOff } from './hand-off.js';
import { LongPollHttp } from './http.js';
import { checkClientOptions } from './options.js';

/** What a long poll handler gets besides the update: core's `UpdateContext`, from a long poll. */
export interface LongPollContext extends UpdateContext {
  /** `long_poll` (Bots Long Poll) or `user_long_poll`. */
  readonly transport: 'long_poll' | 'user_long_poll';
}

/**
 * A handler of one long poll update: core's `UpdateHandler`. Resolve when it is handled; throw to
 * report a failure (retried `handlerRetries` times, then reported, and the poll moves on).
 */
export type LongPollHandler<U> = UpdateHandler<U, LongPollContext>;

/** What an answer handler gets besides the updates: where they come from and how far they reach. */
export interface LongPollAnswerContext {
  /** `long_poll` (Bots Long Poll) or `user_long_poll`. */
  readonly transport: 'long_poll' | 'user_long_poll';
  /** Aborted when `stop()` ran out of `stopTimeoutMs`: the outcome is discarded then (no checkpoint). */
  readonly signal: AbortSignal;
  /** The community the updates belong to; undefined for a user account's User Long Poll. */
  readonly groupId: number | undefined;
  /** The answer's `ts`: checkpointed once this handler (and every one before it) resolved. */
  readonly ts: string;
}

/**
 * A handler of one whole long poll answer: its updates in VK's order (never empty). Resolve when
 * all are handled; throw to report a failure (the poll reports it and moves on, as with one update).
 */
export type LongPollAnswerHandler<U> = (
  updates: readonly U[],
  context: LongPollAnswerContext,
) => void | Promise<void>;

/** Options of {@link LongPollClient.startAnswers}. */
export interface AnswerOptions {
  /**
   * How many answers' calls may run at once (1–4). Calls start in answer order; a ts is
   * checkpointed once its call and every earlier one resolved.
   * @default 1
   */
  inFlight?: number;
}

/** Where a poll keeps its position: a store and the name of this poll's stream in it. */
export interface LongPollCheckpoint {
  /** core's `CheckpointStore` (`MemoryCheckpointStore`, or redis-bridge's). */
  store: CheckpointStore;
  /** The name of this poll's position in the store, e.g. `'group:218734561'`. */
  stream: string;
}

/** Options both clients share. */
export interface LongPollClientOptions<U> {
  /** Seconds VK holds a request (an integer, at most 90). @default 25 */
  wait?: number;
  /** The ts to start from (a saved checkpoint). @default the checkpoint store's, else the server's current ts */
  ts?: string;
  /** Stops the poll when aborted (as `stop()` does). */
  signal?: AbortSignal;
  /** Handlers running at once; updates of one conversation never run at once. @default 64 */
  concurrency?: number;
  /** Updates held (running and waiting) before the poll waits for handlers. @default max(concurrency × 4, 100) */
  queueLimit?: number;
  /**
   * How long `stop()` waits for running handlers; then it aborts their `signal`, discards their
   * outcomes (no checkpoint, no error report) and resolves with how many it abandoned.
   * @default 10000
   */
  stopTimeoutMs?: number;
  /**
   * A handler that throws is called again this many times (its `context.retryCounter` counts the
   * retries, with a backoff of `retry` delays between them), then the failure is reported and the
   * poll moves on. @default 0 (report at once and move on)
   */
  handlerRetries?: number;
  /**
   * Keep the position in a `CheckpointStore`: the ts is loaded at `start()` (unless `ts` is
   * given) and saved after every handled batch, never after `stop()` resolved.
   */
  checkpoint?: LongPollCheckpoint;
  /** Called with a ts once every update up to it has been handled: save it, restart from it. Never after `stop()` resolved. */
  onCheckpoint?: (ts: string) => void | Promise<void>;
  /** Called when VK says events may be lost (`failed: 3`, or `failed: 1` with a jump). @default a warning on the logger */
  onGap?: (gap: LongPollGap) => void;
  /**
   * Called with the code of each `failed` answer VK sends (1: history outdated, 2: key expired,
   * 3: information lost; User Long Poll also 4), before the poll recovers from it. For metrics.
   */
  onFailed?: (failed: number) => void;
  /**
   * Takes the errors: a handler failed (`update` is the update it failed on), an update was
   * malformed (a `LongPollMalformedUpdateError` carrying the raw value; no `update`), requests keep
   * failing and are retried, or the poll ended on a fatal error (a `LongPollRefusedError` or a
   * fatal `LongPollFailedError`, which `finished` also resolves with).
   * @default `logger.error` (stderr when no logger is given either)
   */
  onError?: (error: Error, update?: U) => void;
  /** Retry delays of transport faults after the first (which is retried at once), and of handler retries. */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Where warnings (and, without `onError`, errors) go.
   * @default core's `defaultLogger`: warnings and errors to stderr, each kind rate-limited
   */
  logger?: Logger;
}

const noop = (): void => {};

/** How the client is doing: `stopped` is final. */
type State = 'idle' | 'starting' | 'running' | 'stopped';

/**
 * The consuming side both clients share: handlers (`on`), `start`/`stop`/`finished`, `for await`,
 * and the engine's options. A subclass supplies the source of updates and any preparation.
 */
export abstract class LongPollClient<U extends { type: string }> implements UpdateSource<U, LongPollContext> {
  protected readonly handlers: Array<{ type: string | undefined; handler: LongPollHandler<U> }> = [];
  protected readonly http = new LongPollHttp();
  protected readonly logger: Logger;
  /** The community handlers are told about (`context.groupId`), once known. */
  protected contextGroupId: number | undefined;

  /** Resolves when the poll has ended — stopped, or on a fatal error — and never rejects. */
  readonly finished: Promise<Finished>;

  private readonly reportError: (error: Error, update?: U) => void;
  private readonly handlerRetries: number;
  private resolveFinished: (finished: Finished) => void = noop;
  private state: State = 'idle';
  private engine: PollEngine<U> | undefined;
  /** The current run's handler signal, kept at hand: read once per update. */
  private handlerSignal: AbortSignal | undefined;
  private starting: Promise<void> | undefined;
  /** Aborted by a stop while a start prepares: its API calls are cut. */
  private preparing: AbortController | undefined;
  private stopping: Promise<StopResult> | undefined;
  private channel: HandOff<U> | undefined;
  private readonly onAbort = (): void => {
    this.stopping ??= this.shutdown(undefined);
  };

  constructor(
    private readonly clientOptions: LongPollClientOptions<U>,
    /** `GroupLongPoll` or `UserLongPoll`: names the client in errors and logs. */
    protected readonly component: string,
    private readonly transport: LongPollContext['transport'],
  ) {
    checkClientOptions(component, clientOptions as LongPollClientOptions<unknown>);
    this.logger = clientOptions.logger ?? defaultLogger;
    this.handlerRetries = clientOptions.handlerRetries ?? 0;
    this.reportError = clientOptions.onError ?? ((error, update) => this.logError(error, update));
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    const signal = clientOptions.signal;
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The ts of the next request (save `onCheckpoint`'s value instead to restart safely). */
  get ts(): string | undefined {
    return this.engine?.currentTs;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.engine?.inFlight ?? 0;
  }

  /**
   * Connects and starts polling in the background, delivering every update to the handlers
   * registered with `on()` and to `handler`, if given (core's `UpdateSource`). Rejects when the
   * poll cannot start (Long Poll disabled, a bad token, no access: a `LongPollRefusedError`); a
   * failed start may be retried. Rejects with a `LongPollStateError` when it runs already
   * (`long_poll_running`) or was stopped (`long_poll_stopped`: a stopped client is not restarted;
   * create a new one with the checkpoint).
   */
  async start(handler?: LongPollHandler<U>): Promise<void> {
    this.assertStartable();
    if (handler && !this.handlers.some((entry) => entry.handler === handler))
      this.addHandler(undefined, handler);
    await this.begin((update) => this.dispatch(update), undefined);
  }

  /**
   * Like `start`, but hands each answer over whole: `handler` gets every update of one answer in
   * one call, answers in order, and the answer's `ts` is checkpointed once its call (and the call
   * of every answer before it) resolved. The next request goes out while an answer is handled (up
   * to 4 answers held). By default one call runs at a time; with `inFlight: n` the next answer's
   * call starts while up to n - 1 earlier ones still run (calls still start in answer order):
   * for a consumer that waits on something slow per answer (a bus acknowledging) and keeps the
   * order itself. For consumers that work in batches (publishing to a bus): one call per answer
   * instead of one per update. Handlers registered with `on()` are not called in this mode, so
   * registering one first is an error; `concurrency`, `queueLimit` and `handlerRetries` do not
   * apply.
   *
   * @throws {VkwireConfigError} a handler was registered with `on()`, or `inFlight` is not 1–4.
   * @example
   * await poll.startAnswers(async (updates, { signal }) => {
   *   await publisher.publish(await normalizeBatch(updates, { resolver }));
   * });
   */
  async startAnswers(handler: LongPollAnswerHandler<U>, options: AnswerOptions = {}): Promise<void> {
    this.assertStartable();
    if (typeof handler !== 'function')
      throw new VkwireConfigError(this.component, 'handler', 'a function (updates, context) => …', {
        got: handler,
      });
    const inFlight = options.inFlight ?? 1;
    if (!Number.isSafeInteger(inFlight) || inFlight < 1 || inFlight > ANSWERS_AHEAD)
      throw new VkwireConfigError(this.component, 'inFlight', `an integer from 1 to ${ANSWERS_AHEAD}`, {
        got: inFlight,
      });
    if (this.handlers.length > 0)
      throw new VkwireConfigError(
        this.component,
        'handler',
        'either on() handlers with start(), or one answer handler with startAnswers(), not both',
      );
    await this.begin(undefined, inFlight, (updates, ts) =>
      handler(updates, {
        transport: this.transport,
        signal: this.handlerSignal as AbortSignal,
        groupId: this.contextGroupId,
        ts,
      }),
    );
  }

  /**
   * Aborts the held request at once, lets running handlers finish up to `stopTimeoutMs`, aborts the
   * rest through their `signal` and discards their outcomes, and resolves with how many it
   * abandoned. After it resolves no handler starts, no checkpoint is saved and no error reported.
   * Never rejects; calling it again returns the same promise.
   */
  stop(): Promise<StopResult> {
    this.stopping ??= this.shutdown(undefined);
    return this.stopping;
  }

  /**
   * Pulls updates one at a time: the next request waits until the loop body asks for more. The
   * loop ends when the poll is stopped (`stop()`, the `signal`), throws the fatal error when the
   * poll ends on one, and stops the poll when left (`break`, `return`, an exception; the update in
   * hand counts as handled).
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<U, void, undefined> {
    this.assertStartable();
    const channel = new HandOff<U>();
    this.channel = channel;
    await this.begin((update) => channel.give(update), 1);
    try {
      for (;;) {
        const next = await channel.take();
        if (next === END) return;
        yield next;
      }
    } finally {
      channel.close(true);
      await this.stop();
    }
  }

  /** Registers a handler for one type, or for all (`type` undefined). */
  protected addHandler(type: string | undefined, handler: LongPollHandler<U>): void {
    this.handlers.push({ type, handler });
  }

  /** Where updates come from. */
  protected abstract createSource(): PollSource<U>;

  /** VK's `event_id` of an update, when it has one. */
  protected abstract eventIdOf(update: U): string | undefined;

  /**
   * Work before the first request (settings checks, ids); errors reject `start()`. `signal` aborts
   * when the poll is stopped meanwhile: calls in flight are to end then.
   */
  protected async prepare(_signal: AbortSignal): Promise<void> {}

  private assertStartable(): void {
    if (this.state === 'stopped')
      throw new LongPollStateError(
        'long_poll_stopped',
        `${this.component}: start() after the poll was stopped (stop(), its signal, or a fatal error): a stopped client does not restart — create a new one and pass it the checkpoint`,
      );
    if (this.state !== 'idle')
      throw new LongPollStateError(
        'long_poll_running',
        `${this.component}: start() while it is already ${this.state === 'starting' ? 'starting' : 'running'}`,
      );
  }

  /** One start attempt: on failure the client is idle again (and may be started again). */
  private async begin(
    handle: ((update: U) => Promise<void> | void) | undefined,
    concurrency: number | undefined,
    handleAnswer?: (updates: U[], ts: string) => Promise<void> | void,
  ): Promise<void> {
    this.state = 'starting';
    const preparing = new AbortController();
    this.preparing = preparing;
    const attempt = (async () => {
      await this.prepare(preparing.signal);
      const options = this.clientOptions;
      let ts = options.ts;
      if (ts === undefined && options.checkpoint)
        ts = await options.checkpoint.store.load(options.checkpoint.stream);
      this.throwIfStopped();
      this.engine = this.createEngine(handle, concurrency, ts, handleAnswer);
      this.handlerSignal = this.engine.handlerSignal;
      await this.engine.start();
      this.throwIfStopped();
    })();
    this.starting = attempt;
    try {
      await attempt;
      this.state = 'running';
    } catch (error) {
      this.engine = undefined;
      this.starting = undefined;
      if (this.isStopped()) {
        throw error instanceof LongPollStateError
          ? error
          : new LongPollStateError('long_poll_stopped', `${this.component}: stopped while starting`);
      }
      this.state = 'idle';
      throw error;
    }
  }

  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  private throwIfStopped(): void {
    if (this.isStopped())
      throw new LongPollStateError('long_poll_stopped', `${this.component}: stopped while starting`);
  }

  /** Ends the run once: `fatal` says why, when it was not stop(). Never rejects. */
  private async shutdown(fatal: Error | undefined): Promise<StopResult> {
    this.state = 'stopped';
    this.clientOptions.signal?.removeEventListener('abort', this.onAbort);
    if (fatal) this.channel?.fail(fatal);
    else this.channel?.close(false);
    let result: StopResult = { abandoned: 0 };
    try {
      const engine = this.engine;
      const engineStopped = engine?.stop();
      this.preparing?.abort(
        new LongPollStateError('long_poll_stopped', `${this.component}: stopped while starting`),
      );
      await this.starting?.catch(noop);
      // A start attempt may have created its engine meanwhile (it then notices the stop and rejects).
      const late = this.engine !== engine ? this.engine?.stop() : undefined;
      result = (await engineStopped) ?? (await late) ?? result;
      await this.http.close();
    } catch (error) {
      this.logger.error({ error: errorText(error) }, `${this.component}: stopping failed`);
    }
    this.resolveFinished(fatal ? { reason: 'fatal', error: fatal } : { reason: 'stopped' });
    return result;
  }

  private createEngine(
    handle: ((update: U) => Promise<void> | void) | undefined,
    concurrency: number | undefined,
    ts: string | undefined,
    handleAnswer: ((updates: U[], ts: string) => Promise<void> | void) | undefined,
  ): PollEngine<U> {
    const options = this.clientOptions;
    const limit = concurrency ?? options.concurrency ?? 64;
    const { checkpoint, onCheckpoint } = options;
    return new PollEngine<U>({
      source: this.createSource(),
      handle: handle ?? noop,
      handleAnswer,
      ts,
      concurrency: limit,
      queueLimit: options.queueLimit ?? Math.max(limit * 4, 100),
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
      retry: {
        baseDelayMs: options.retry?.baseDelayMs ?? 100,
        maxDelayMs: options.retry?.maxDelayMs ?? 5000,
      },
      checkpoint:
        checkpoint || onCheckpoint
          ? async (position) => {
              if (checkpoint) await checkpoint.store.save(checkpoint.stream, position);
              if (onCheckpoint) await onCheckpoint(position);
            }
          : undefined,
      onGap:
        options.onGap ??
        ((gap) => this.logger.warn({ ...gap }, `${this.component}: VK says events may be lost`)),
      onFailed: options.onFailed ?? noop,
      onError: (error, update) => this.reportError(toError(error), update),
      onFatal: (error) => {
        this.stopping ??= this.shutdown(error);
        this.reportError(error);
      },
      logger: this.logger,
    });
  }

  /** Without `onError`: each kind of error is one stable message, so the stderr fallback can count repeats. */
  private logError(error: Error, update: U | undefined): void {
    const fields = { error: errorText(error), code: (error as { code?: unknown }).code };
    if (update !== undefined)
      this.logger.error(
        { ...fields, type: update.type, eventId: this.eventIdOf(update) },
        `${this.component}: a handler failed; the poll moves on`,
      );
    else if (error instanceof LongPollMalformedUpdateError)
      this.logger.error(fields, `${this.component}: skipped a malformed update`);
    else if (isFatal(error))
      this.logger.error(fields, `${this.component}: the poll ended on an error no retry can fix`);
    else this.logger.error(fields, `${this.component}: long poll requests keep failing; retrying`);
  }

  /** Runs the matching handlers of an update in registration order, each with the same context. */
  private async dispatch(update: U): Promise<void> {
    const context: LongPollContext = {
      transport: this.transport,
      signal: this.handlerSignal as AbortSignal,
      groupId: this.contextGroupId,
      eventId: this.eventIdOf(update),
      retryCounter: 0,
    };
    for (const { type, handler } of this.handlers) {
      if (type !== undefined && type !== update.type) continue;
      try {
        await handler(update, context);
      } catch (error) {
        if (this.handlerRetries === 0) throw error;
        await this.retryHandler(handler, update, context, error);
      }
    }
  }

  /** Calls a failed handler again up to `handlerRetries` times; throws the last failure. */
  private async retryHandler(
    handler: LongPollHandler<U>,
    update: U,
    context: LongPollContext,
    first: unknown,
  ): Promise<void> {
    const { baseDelayMs = 100, maxDelayMs = 5000 } = this.clientOptions.retry ?? {};
    let failure = first;
    for (let retry = 1; retry <= this.handlerRetries; retry += 1) {
      await sleep(Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1)), context.signal);
      if (context.signal.aborted) break;
      try {
        await handler(update, { ...context, retryCounter: retry });
        return;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }
}
