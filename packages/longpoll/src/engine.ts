import { setMaxListeners } from 'node:events';
import { errorText, type Logger, type StopResult, sleep } from '@vkwire/core';
import { LongPollFailedError } from './errors.js';
import { ReadAhead } from './read-ahead.js';
import { type OrderKey, Scheduler } from './scheduler.js';

/** One long poll answer, parsed. */
export type PollAnswer<U> =
  | { kind: 'updates'; ts: string; updates: U[]; rejected: Error[] }
  | { kind: 'failed'; code: number; ts?: string };

/** Where updates come from: Bots Long Poll or User Long Poll. */
export interface PollSource<U> {
  /**
   * Gets a fresh server and key; resolves with the server's current ts. Rejects with a
   * `LongPollRefusedError` when no retry can help (a refused token, no access).
   */
  connect(signal: AbortSignal): Promise<string>;
  /**
   * One request from `ts` (held by the server up to its wait). `onTs`, when given, is called with
   * the answer's ts as soon as it is known from the body's first bytes, before the body is parsed
   * (not called when the source cannot tell early): a hint, the answer's `ts` is what counts.
   */
  poll(ts: string, signal: AbortSignal, onTs?: (ts: string) => void): Promise<PollAnswer<U>>;
  /** The ordering key of an update (its conversation), or undefined for "any order". */
  keyOf(update: U): OrderKey | undefined;
  /** Whether an error of `connect` or `poll` ends the poll (no retry can fix it). */
  isFatal(error: unknown): boolean;
}

/** Events the poll may lose through no fault of the client: VK says so, and we pass it on. */
export interface LongPollGap {
  /** `failed_3`: VK lost the information and gave a new ts; `failed_1`: VK's history was outdated. */
  reason: 'failed_1' | 'failed_3';
  /** The ts the poll had. */
  fromTs: string;
  /** The ts it continues from; events in between may be gone. */
  toTs: string;
}

/** A whole answer handed to an answer handler (see `EngineOptions.handleAnswer`). */
interface AnswerJob<U> {
  readonly updates: U[];
  readonly ts: string;
}

/** Answers held at once in answer mode: the one handled and those fetched ahead of it. */
export const ANSWERS_AHEAD = 4;

/** Options of the engine (the public classes fill them in). */
export interface EngineOptions<U> {
  source: PollSource<U>;
  handle(update: U): Promise<void> | void;
  /**
   * Answer mode: each answer's updates go to this in one call, answers started in order, up to
   * `concurrency` at once (`handle` is not used); the poll asks for the next answer meanwhile,
   * holding up to {@link ANSWERS_AHEAD} answers.
   */
  handleAnswer?: ((updates: U[], ts: string) => Promise<void> | void) | undefined;
  ts: string | undefined;
  concurrency: number;
  queueLimit: number;
  stopTimeoutMs: number;
  retry: { baseDelayMs: number; maxDelayMs: number };
  /** Called in order, one at a time, with each ts up to which every update is handled. */
  checkpoint: ((ts: string) => void | Promise<void>) | undefined;
  onGap: (gap: LongPollGap) => void;
  /** VK answered `failed` with this code (before recovering). */
  onFailed: (code: number) => void;
  /** A failed handler (with its update), a malformed update, a repeated fault. */
  onError: (error: unknown, update?: U) => void;
  /** The loop ended on its own: an error no retry can fix. The owner stops the engine. */
  onFatal: (error: Error) => void;
  logger: Logger;
}

/** Consecutive request faults after which each further one is reported (the first few pass quietly). */
const QUIET_FAULTS = 3;

/**
 * The poll loop shared by both clients: requests, VK's `failed` answers, retries without losing
 * or repeating events, and hand-off to the scheduler (bounded, ordered per key, checkpointed).
 * One engine is one run: started once, stopped once.
 */
export class PollEngine<U> {
  private readonly controller = new AbortController();
  /** Aborted when stop() gives up on running handlers: the one signal every handler of this run gets. */
  private readonly handlers = shared(new AbortController());
  /** Runs updates (or, in answer mode, whole answers). */
  private readonly scheduler: Scheduler<U | AnswerJob<U>>;
  private readonly answerMode: boolean;
  private loop: Promise<void> | undefined;
  private checkpointChain: Promise<void> = Promise.resolve();
  private ts: string | undefined;
  private stopping: Promise<StopResult> | undefined;
  /** Set when stop() has resolved: no checkpoint is reported after it. */
  private closed = false;

  constructor(private readonly options: EngineOptions<U>) {
    this.ts = options.ts;
    const handleAnswer = options.handleAnswer;
    this.answerMode = handleAnswer !== undefined;
    this.scheduler = handleAnswer
      ? new Scheduler<U | AnswerJob<U>>({
          // Answers start in order (one at a time unless the owner allows more: it keeps the
          // order of what it does with them); checkpoints follow in order either way.
          concurrency: options.concurrency,
          queueLimit: ANSWERS_AHEAD,
          handle: (job) => handleAnswer((job as AnswerJob<U>).updates, (job as AnswerJob<U>).ts),
          onError: (error) => options.onError(error),
          onCheckpoint: (ts) => this.checkpoint(ts),
        })
      : new Scheduler<U | AnswerJob<U>>({
          concurrency: options.concurrency,
          queueLimit: options.queueLimit,
          handle: options.handle as (update: U | AnswerJob<U>) => Promise<void> | void,
          onError: options.onError as (error: unknown, update: U | AnswerJob<U>) => void,
          onCheckpoint: (ts) => this.checkpoint(ts),
        });
  }

  /** The signal every handler of this run gets: aborted when `stop()` runs out of time. */
  get handlerSignal(): AbortSignal {
    return this.handlers.signal;
  }

  /** The ts the next request uses. */
  get currentTs(): string | undefined {
    return this.ts;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.scheduler.inFlight;
  }

  /** Connects (errors reject: a disabled Long Poll, a bad token) and starts the loop. */
  async start(): Promise<void> {
    const serverTs = await this.options.source.connect(this.controller.signal);
    if (this.ts === undefined) {
      // Starting afresh: the server's ts is the first checkpoint, so a process that stops (or
      // dies) before its first batch resumes here, not from whatever is newest then.
      this.ts = serverTs;
      this.scheduler.openBatch(serverTs, 0);
    }
    this.loop = this.run();
  }

  /**
   * Aborts the held request at once, lets running handlers finish up to the stop timeout, aborts
   * the rest through their signal and discards their outcomes, waits for checkpoints in progress,
   * then resolves. Never rejects; calling it again returns the same promise.
   */
  stop(): Promise<StopResult> {
    this.stopping ??= (async () => {
      this.controller.abort(new Error('long poll stopped'));
      await this.loop;
      const abandoned = await this.scheduler.stop(this.options.stopTimeoutMs);
      if (abandoned > 0) {
        this.handlers.abort(
          new DOMException(
            'long poll stopped: stopTimeoutMs ran out; this outcome is discarded',
            'AbortError',
          ),
        );
        this.options.logger.warn(
          { abandoned, stopTimeoutMs: this.options.stopTimeoutMs },
          'long poll stopped with handlers still running past stopTimeoutMs: aborted their signal, outcomes discarded',
        );
      }
      await this.checkpointChain;
      this.closed = true;
      return { abandoned };
    })();
    return this.stopping;
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    const { source } = this.options;
    const requests = new ReadAhead(source, signal);
    let failures = 0;
    while (!signal.aborted) {
      const ts = this.ts as string;
      let answer: PollAnswer<U>;
      try {
        answer = await requests.next(ts);
      } catch (error) {
        requests.drop();
        if (signal.aborted) return;
        if (source.isFatal(error)) return this.fatal(error as Error);
        failures += 1;
        // One fault costs nothing: retry at once; repeated faults back off with jitter.
        const delay = failures === 1 ? 0 : this.backoff(failures - 1);
        this.options.logger.debug({ error: errorText(error), failures, delayMs: delay }, 'long poll retry');
        if (failures > QUIET_FAULTS) this.options.onError(error);
        if (delay > 0) await sleep(delay, signal);
        continue;
      }
      failures = 0;
      if (answer.kind === 'failed') {
        requests.drop();
        this.options.onFailed(answer.code);
        const fatal = await this.recover(answer, ts);
        if (fatal) return this.fatal(fatal);
        continue;
      }
      // The next answer is asked for before this one is handed over (at most one read ahead of the
      // scheduler's queue limit).
      requests.answered(answer.ts, answer.updates.length > 0);
      for (const error of answer.rejected) this.options.onError(error);
      if (this.answerMode) {
        // An empty answer is checkpointed as it comes (in order, after the answers before it).
        const batch = this.scheduler.openBatch(answer.ts, answer.updates.length > 0 ? 1 : 0);
        if (answer.updates.length > 0) {
          const wait = this.scheduler.push({ updates: answer.updates, ts: answer.ts }, undefined, batch);
          if (wait) await wait;
        }
        this.ts = answer.ts;
        continue;
      }
      const batch = this.scheduler.openBatch(answer.ts, answer.updates.length);
      for (const update of answer.updates) {
        const wait = this.scheduler.push(update, source.keyOf(update), batch);
        if (wait) await wait;
        if (signal.aborted) break;
      }
      this.ts = answer.ts;
    }
    requests.drop();
  }

  private fatal(error: Error): void {
    this.controller.abort(error);
    this.options.onFatal(error);
  }

  /**
   * VK's failed answers: 1 → continue from its ts; 2 → new key, same ts; 3 → new key and ts (a
   * gap). Resolves with an error when reconnecting met one no retry can fix.
   */
  private async recover(answer: { code: number; ts?: string }, ts: string): Promise<Error | undefined> {
    const { signal } = this.controller;
    if (answer.code === 1) {
      const next = answer.ts ?? ts;
      if (next !== ts) this.options.onGap({ reason: 'failed_1', fromTs: ts, toTs: next });
      this.ts = next;
      this.scheduler.openBatch(next, 0);
      return undefined;
    }
    if (answer.code !== 2 && answer.code !== 3) {
      this.options.onError(
        new LongPollFailedError(answer.code, 'unknown code: reconnecting with a new key and ts'),
      );
      await sleep(this.backoff(1), signal);
    }
    for (let attempt = 1; !signal.aborted; attempt += 1) {
      try {
        const serverTs = await this.options.source.connect(signal);
        if (answer.code !== 2) {
          this.options.onGap({ reason: 'failed_3', fromTs: ts, toTs: serverTs });
          this.ts = serverTs;
          this.scheduler.openBatch(serverTs, 0);
        }
        return undefined;
      } catch (error) {
        if (signal.aborted) return undefined;
        if (this.options.source.isFatal(error)) return error as Error;
        this.options.onError(error);
        await sleep(this.backoff(attempt), signal);
      }
    }
    return undefined;
  }

  private backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  }

  /** Checkpoints are reported in order, one at a time, even when saving is async; never after stop(). */
  private checkpoint(ts: string): void {
    const save = this.options.checkpoint;
    if (!save || this.closed) return;
    this.checkpointChain = this.checkpointChain.then(async () => {
      if (this.closed) return;
      try {
        await save(ts);
      } catch (error) {
        this.options.onError(error);
      }
    });
  }
}

/**
 * A signal every handler of a run listens to (each API call in flight adds a listener): no limit,
 * so that a busy poll does not print MaxListenersExceededWarning.
 */
function shared(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
