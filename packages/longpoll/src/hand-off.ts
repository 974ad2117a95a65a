/** What `take` resolves with once the channel is closed: the loop ends. */
export const END: unique symbol = Symbol('long poll hand-off ended');

/**
 * Rejection of a `give` whose update was abandoned: the consumer never finished it (the poll was
 * stopped meanwhile). The scheduler counts it neither as handled nor as failed, so its batch is
 * never checkpointed and a restart from the checkpoint gets it again.
 */
export const ABANDONED: unique symbol = Symbol('long poll update abandoned');

interface Item<T> {
  value: T;
  done: () => void;
  abandon: (reason: typeof ABANDONED) => void;
}

/**
 * One update at a time from the poll to a `for await` loop. The poll's handler (concurrency 1)
 * resolves only when the loop asks for the next update, so the update counts as handled then.
 * Closing it (stop, an aborted signal) ends the loop; failing it (a fatal error) makes it throw.
 */
export class HandOff<T> {
  private current: Item<T> | undefined;
  private queued: Item<T> | undefined;
  private waiter: { resolve: (value: T | typeof END) => void; reject: (error: unknown) => void } | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;

  /** Hands an update over; resolves when the consumer is done with it. */
  give(value: T): Promise<void> {
    if (this.closed) return Promise.reject(ABANDONED);
    return new Promise<void>((done, abandon) => {
      const item: Item<T> = { value, done, abandon };
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        this.current = item;
        waiter.resolve(value);
      } else {
        this.queued = item;
      }
    });
  }

  /** The next update, or `END` once closed; asking for it means the previous one is handled. */
  take(): Promise<T | typeof END> {
    this.current?.done();
    this.current = undefined;
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.closed) return Promise.resolve(END);
    const queued = this.queued;
    if (queued) {
      this.queued = undefined;
      this.current = queued;
      return Promise.resolve(queued.value);
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /**
   * No more updates: a waiting `take` and every later one give `END`. `handledCurrent` says
   * whether the update the consumer holds counts as handled (the consumer left the loop after it)
   * or is abandoned (the poll was stopped while the consumer worked on it).
   */
  close(handledCurrent: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (handledCurrent) this.current?.done();
    else this.current?.abandon(ABANDONED);
    this.queued?.abandon(ABANDONED);
    this.current = undefined;
    this.queued = undefined;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(END);
  }

  /** The producer ended on an error: a waiting `take` and every later one reject with it. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.failure = { error };
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
    this.close(false);
  }
}
