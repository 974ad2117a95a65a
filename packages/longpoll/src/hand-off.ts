/**
 * One update at a time from the poll to a `for await` loop. The poll's handler (concurrency 1)
 * resolves only when the loop asks for the next update, so the update counts as handled then.
 */
export class HandOff<T> {
  private current: { value: T; done: () => void } | undefined;
  private queued: { value: T; done: () => void } | undefined;
  private waiter: { resolve: (value: T) => void; reject: (error: unknown) => void } | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;

  /** Hands an update over; resolves when the consumer is done with it. */
  give(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((done) => {
      const item = { value, done };
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

  /** The next update; asking for it means the previous one is handled. */
  take(): Promise<T> {
    this.current?.done();
    this.current = undefined;
    const queued = this.queued;
    if (queued) {
      this.queued = undefined;
      this.current = queued;
      return Promise.resolve(queued.value);
    }
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise<T>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The producer stopped for good: the pending and every later `take` reject with `error`. */
  fail(error: unknown): void {
    this.failure = { error };
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  /** Releases whatever waits. */
  close(): void {
    this.closed = true;
    this.current?.done();
    this.queued?.done();
    this.current = undefined;
    this.queued = undefined;
  }
}
