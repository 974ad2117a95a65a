import type { Logger } from '@vkwire/api-client';
import { type LongPollGap, PollEngine, type PollSource } from './engine.js';
import type { LongPollFailedError } from './errors.js';
import { HandOff } from './hand-off.js';
import { LongPollHttp } from './http.js';

/** A handler of one update. */
export type UpdateHandler<U> = (update: U) => void | Promise<void>;

/** Options both clients share. */
export interface LongPollClientOptions<U> {
  /** Seconds VK holds a request (at most 90). @default 25 */
  wait?: number;
  /** The ts to start from (a saved checkpoint). @default the server's current ts */
  ts?: string;
  /** Stops the poll when aborted. */
  signal?: AbortSignal;
  /** Handlers running at once; updates of one conversation never run at once. @default 64 */
  concurrency?: number;
  /** Updates held (running and waiting) before the poll waits for handlers. @default concurrency × 4 */
  queueLimit?: number;
  /** How long `stop()` waits for running handlers. @default 10000 */
  stopTimeoutMs?: number;
  /** Called with a ts once every update up to it has been handled: save it, restart from it. */
  onCheckpoint?: (ts: string) => void | Promise<void>;
  /** Called when VK says events may be lost (`failed: 3`, or `failed: 1` with a jump). */
  onGap?: (gap: LongPollGap) => void;
  /**
   * A handler threw or rejected, an update was malformed, the poll met a repeated fault, or it
   * stopped on an answer no retry can fix (a `LongPollFailedError` with `fatal`; a `for await`
   * loop throws it). @default log it
   */
  onError?: (error: unknown, update?: U) => void;
  /** Retry delays of transport faults after the first (which is retried at once). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  logger?: Logger;
}

const noop = (): void => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * The consuming side both clients share: handlers (`on`), `start`/`stop`, `for await`, and the
 * engine's options. A subclass supplies the source of updates and any preparation.
 */
export abstract class LongPollClient<U extends { type: string }> {
  protected readonly handlers: Array<{ type: string | undefined; handler: UpdateHandler<U> }> = [];
  protected readonly http = new LongPollHttp();
  protected readonly logger: Logger;
  private engine: PollEngine<U> | undefined;

  constructor(private readonly clientOptions: LongPollClientOptions<U>) {
    const wait = clientOptions.wait;
    if (wait !== undefined && (wait < 0 || wait > 90))
      throw new RangeError('long poll: wait is 0..90 seconds');
    this.logger = clientOptions.logger ?? silent;
    clientOptions.signal?.addEventListener('abort', () => void this.stop(), { once: true });
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
   * Connects and starts polling in the background; rejects when the poll cannot start (Long Poll
   * disabled, a bad token, the wrong kind of token).
   */
  async start(): Promise<void> {
    if (this.engine) throw new Error('long poll: already started');
    this.engine = this.createEngine(
      (update) => this.dispatch(update),
      undefined,
      () => void this.stop(),
    );
    await this.prepare();
    await this.engine.start();
  }

  /** Aborts the held request, lets running handlers finish (up to `stopTimeoutMs`), then resolves. */
  async stop(): Promise<void> {
    await this.engine?.stop();
    await this.http.close();
  }

  /** Pulls updates one at a time: the next request waits until the loop body asks for more. */
  async *[Symbol.asyncIterator](): AsyncGenerator<U> {
    if (this.engine) throw new Error('long poll: already started');
    const channel = new HandOff<U>();
    this.engine = this.createEngine(
      (update) => channel.give(update),
      1,
      (error) => channel.fail(error),
    );
    await this.prepare();
    await this.engine.start();
    try {
      for (;;) yield await channel.take();
    } finally {
      channel.close();
      await this.stop();
    }
  }

  /** Registers a handler for one type, or for all (`type` undefined). */
  protected addHandler(type: string | undefined, handler: UpdateHandler<U>): void {
    this.handlers.push({ type, handler });
  }

  /** Where updates come from. */
  protected abstract createSource(): PollSource<U>;

  /** Work before the first request (settings checks). */
  protected async prepare(): Promise<void> {}

  private createEngine(
    handle: (update: U) => Promise<void> | void,
    concurrency: number | undefined,
    onFatal: (error: LongPollFailedError) => void,
  ): PollEngine<U> {
    const options = this.clientOptions;
    const limit = concurrency ?? options.concurrency ?? 64;
    const onError =
      options.onError ??
      ((error: unknown, update?: U) =>
        this.logger.error(
          { error: error instanceof Error ? error.message : String(error), type: update?.type },
          'long poll error',
        ));
    return new PollEngine<U>({
      source: this.createSource(),
      handle,
      ts: options.ts,
      concurrency: limit,
      queueLimit: options.queueLimit ?? Math.max(limit * 4, 100),
      stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
      retry: {
        baseDelayMs: options.retry?.baseDelayMs ?? 100,
        maxDelayMs: options.retry?.maxDelayMs ?? 5000,
      },
      onCheckpoint: options.onCheckpoint,
      onGap:
        options.onGap ?? ((gap) => this.logger.warn({ ...gap }, 'long poll: VK says events may be lost')),
      onError,
      onFatal,
      logger: this.logger,
    });
  }

  /** Runs the matching handlers of an update in registration order. */
  private async dispatch(update: U): Promise<void> {
    for (const { type, handler } of this.handlers) {
      if (type === undefined || type === update.type) await handler(update);
    }
  }
}
