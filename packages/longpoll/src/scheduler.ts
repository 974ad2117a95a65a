import { ABANDONED } from './hand-off.js';

/** The ordering key of an update: updates with the same key never run at once or out of order. */
export type OrderKey = string | number;

/** A batch of updates that ends at a `ts`: its checkpoint fires once it and every earlier batch are done. */
export interface Batch {
  ts: string;
  /** Updates of the batch not yet handled (or dropped). */
  remaining: number;
}

interface Job<U> {
  item: U;
  key: OrderKey | undefined;
  batch: Batch;
}

/** Options of the scheduler. */
export interface SchedulerOptions<U> {
  /** Handlers running at once. */
  concurrency: number;
  /** Updates held (running + waiting) before `push` makes the poll wait. */
  queueLimit: number;
  /**
   * Runs one update; a rejection goes to `onError`, never further. A rejection with `ABANDONED`
   * means the update was given up (not handled, not failed): its batch never checkpoints.
   */
  handle(item: U): Promise<void> | void;
  onError(error: unknown, item: U): void;
  /** Called, in order, with the ts of each batch whose updates and all earlier ones are handled. */
  onCheckpoint(ts: string): void;
}

/**
 * Runs updates with bounded concurrency, keeping updates of one key in order and one at a time,
 * and tells when every update up to a batch's `ts` has been handled. `push` returns a promise when
 * the queue is full, so the poll waits instead of buffering without bound.
 */
export class Scheduler<U> {
  private running = 0;
  private held = 0;
  /**
   * Jobs waiting to start, from `readyHead` on; a started job's slot is emptied at once (an answer
   * job holds a whole answer: the slots before the head must not keep what was handled).
   */
  private ready: Array<Job<U> | undefined> = [];
  private readyHead = 0;
  /**
   * Keys that have a job running or waiting; the array holds the waiting ones in order, `null`
   * none (the usual case when updates spread over many conversations: no array per update).
   */
  private busyKeys = new Map<OrderKey, Array<Job<U>> | null>();
  private batches: Batch[] = [];
  private capacityWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  /** Set once `stop()` gave up on running handlers: their outcomes are discarded. */
  private abandoned = false;

  constructor(private readonly options: SchedulerOptions<U>) {}

  /** Handlers running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Starts a batch that ends at `ts`; push its updates next. */
  openBatch(ts: string, size: number): Batch {
    const batch: Batch = { ts, remaining: size };
    this.batches.push(batch);
    if (size === 0) this.advance();
    return batch;
  }

  /** Queues one update; resolves at once unless the queue is full. */
  push(item: U, key: OrderKey | undefined, batch: Batch): Promise<void> | undefined {
    if (this.stopped) return undefined;
    const job: Job<U> = { item, key, batch };
    this.held += 1;
    if (key === undefined) {
      this.ready.push(job);
    } else {
      const waiting = this.busyKeys.get(key);
      if (waiting) waiting.push(job);
      else if (waiting === null) this.busyKeys.set(key, [job]);
      else {
        this.busyKeys.set(key, null);
        this.ready.push(job);
      }
    }
    this.pump();
    if (this.held < this.options.queueLimit) return undefined;
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Starts nothing more, drops what waits (its batches never checkpoint, so a restart from the
   * last checkpoint gets it again), and resolves when running handlers finish or `timeoutMs` passes.
   * Resolves with the number still running.
   */
  async stop(timeoutMs: number): Promise<number> {
    this.stopped = true;
    this.held -= this.ready.length - this.readyHead;
    this.ready = [];
    this.readyHead = 0;
    for (const waiting of this.busyKeys.values()) this.held -= waiting?.length ?? 0;
    this.busyKeys.clear();
    for (const resolve of this.capacityWaiters.splice(0)) resolve();
    if (this.running === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (this.running > 0) this.abandoned = true;
    return this.running;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency && this.readyHead < this.ready.length) {
      const job = this.ready[this.readyHead] as Job<U>;
      this.ready[this.readyHead] = undefined;
      this.readyHead += 1;
      this.start(job);
    }
    // Compact the ready queue when it empties, or now and then, instead of shifting it per job.
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    } else if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  private start(job: Job<U>): void {
    this.running += 1;
    let result: Promise<void> | void;
    try {
      result = this.options.handle(job.item);
    } catch (error) {
      this.options.onError(error, job.item);
      result = undefined;
    }
    if (result && typeof result.then === 'function') {
      result.then(
        () => this.finish(job, true),
        (error: unknown) => {
          if (error === ABANDONED) return this.finish(job, false);
          if (!this.abandoned) this.options.onError(error, job.item);
          this.finish(job, true);
        },
      );
    } else {
      this.finish(job, true);
    }
  }

  /** A job ended: `done` when it counts for its batch (handled, or failed and reported). */
  private finish(job: Job<U>, done: boolean): void {
    this.running -= 1;
    this.held -= 1;
    // Past stop()'s timeout nothing of a late handler counts: no checkpoint, no next job.
    if (this.abandoned) return;
    if (job.key !== undefined && !this.stopped) {
      const waiting = this.busyKeys.get(job.key);
      const next = waiting?.shift();
      if (next) this.ready.push(next);
      else this.busyKeys.delete(job.key);
    }
    if (done) {
      job.batch.remaining -= 1;
      if (job.batch.remaining === 0) this.advance();
    }
    if (this.held < this.options.queueLimit && this.capacityWaiters.length > 0) {
      for (const resolve of this.capacityWaiters.splice(0)) resolve();
    }
    if (this.running === 0 && this.idleWaiters.length > 0)
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.pump();
  }

  /** Reports the checkpoints of finished batches at the head. */
  private advance(): void {
    while (this.batches.length > 0 && (this.batches[0] as Batch).remaining === 0) {
      const batch = this.batches.shift() as Batch;
      this.options.onCheckpoint(batch.ts);
    }
  }
}
