import type { Logger } from '@vkwire/api-client';
import { LongPollFailedError } from './errors.js';
import { type OrderKey, Scheduler } from './scheduler.js';

/** One long poll answer, parsed. */
export type PollAnswer<U> =
  | { kind: 'updates'; ts: string; updates: U[]; rejected: Array<{ raw: unknown; error: Error }> }
  | { kind: 'failed'; code: number; ts?: string };

/** Where updates come from: Bots Long Poll or User Long Poll. */
export interface PollSource<U> {
  /** Gets a fresh server and key; resolves with the server's current ts. */
  connect(signal: AbortSignal): Promise<string>;
  /** One request from `ts` (held by the server up to its wait). */
  poll(ts: string, signal: AbortSignal): Promise<PollAnswer<U>>;
  /** The ordering key of an update (its conversation), or undefined for "any order". */
  keyOf(update: U): OrderKey | undefined;
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

/** Options of the engine (the public classes fill them in). */
export interface EngineOptions<U> {
  source: PollSource<U>;
  handle(update: U): Promise<void> | void;
  ts: string | undefined;
  concurrency: number;
  queueLimit: number;
  stopTimeoutMs: number;
  retry: { baseDelayMs: number; maxDelayMs: number };
  onCheckpoint: ((ts: string) => void | Promise<void>) | undefined;
  onGap: ((gap: LongPollGap) => void) | undefined;
  onError: (error: unknown, update?: U) => void;
  /** The poll stopped on its own: an answer no retry can fix (`LongPollFailedError` with `fatal`). */
  onFatal: (error: LongPollFailedError) => void;
  logger: Logger;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The poll loop shared by both clients: requests, VK's `failed` answers, retries without losing
 * or repeating events, and hand-off to the scheduler (bounded, ordered per key, checkpointed).
 */
export class PollEngine<U> {
  private readonly controller = new AbortController();
  private readonly scheduler: Scheduler<U>;
  private loop: Promise<void> | undefined;
  private checkpointChain: Promise<void> = Promise.resolve();
  private ts: string | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: EngineOptions<U>) {
    this.ts = options.ts;
    this.scheduler = new Scheduler<U>({
      concurrency: options.concurrency,
      queueLimit: options.queueLimit,
      handle: options.handle,
      onError: options.onError,
      onCheckpoint: (ts) => this.checkpoint(ts),
    });
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
    this.ts ??= serverTs;
    this.loop = this.run();
  }

  /** Aborts the held request at once, lets running handlers finish (up to the stop timeout), then resolves. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.controller.abort(new Error('long poll stopped'));
      await this.loop;
      const still = await this.scheduler.stop(this.options.stopTimeoutMs);
      if (still > 0)
        this.options.logger.warn(
          { running: still },
          'long poll stopped with handlers still running past stopTimeoutMs',
        );
      await this.checkpointChain;
    })();
    return this.stopping;
  }

  private async run(): Promise<void> {
    const { signal } = this.controller;
    const { source } = this.options;
    let failures = 0;
    while (!signal.aborted) {
      const ts = this.ts as string;
      let answer: PollAnswer<U>;
      try {
        answer = await source.poll(ts, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof LongPollFailedError && error.fatal) {
          this.options.onError(error);
          this.controller.abort(error);
          this.options.onFatal(error);
          return;
        }
        failures += 1;
        // One fault costs nothing: retry at once; repeated faults back off with jitter.
        const delay = failures === 1 ? 0 : this.backoff(failures - 1);
        this.options.logger.debug(
          { error: error instanceof Error ? error.message : String(error), failures, delayMs: delay },
          'long poll retry',
        );
        if (failures > 3) this.options.onError(error);
        if (delay > 0) await sleep(delay, signal);
        continue;
      }
      failures = 0;
      if (answer.kind === 'failed') {
        await this.recover(answer, ts);
        continue;
      }
      const batch = this.scheduler.openBatch(answer.ts, answer.updates.length);
      for (const { raw, error } of answer.rejected) this.options.onError(error, raw as U);
      for (const update of answer.updates) {
        const wait = this.scheduler.push(update, source.keyOf(update), batch);
        if (wait) await wait;
        if (signal.aborted) break;
      }
      this.ts = answer.ts;
    }
  }

  /** VK's failed answers: 1 → continue from its ts; 2 → new key, same ts; 3 → new key and ts (a gap). */
  private async recover(answer: { code: number; ts?: string }, ts: string): Promise<void> {
    const { signal } = this.controller;
    if (answer.code === 1) {
      const next = answer.ts ?? ts;
      if (next !== ts) this.options.onGap?.({ reason: 'failed_1', fromTs: ts, toTs: next });
      this.ts = next;
      this.scheduler.openBatch(next, 0);
      return;
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
          this.options.onGap?.({ reason: 'failed_3', fromTs: ts, toTs: serverTs });
          this.ts = serverTs;
          this.scheduler.openBatch(serverTs, 0);
        }
        return;
      } catch (error) {
        if (signal.aborted) return;
        this.options.onError(error);
        await sleep(this.backoff(attempt), signal);
      }
    }
  }

  private backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  }

  /** Checkpoints are reported in order, one at a time, even when the callback is async. */
  private checkpoint(ts: string): void {
    const callback = this.options.onCheckpoint;
    if (!callback) return;
    this.checkpointChain = this.checkpointChain.then(async () => {
      try {
        await callback(ts);
      } catch (error) {
        this.options.onError(error);
      }
    });
  }
}
