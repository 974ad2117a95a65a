/**
 * One update at a time from the poll to a `for await` loop. The poll's handler (concurrency 1)
 * resolves only when the loop asks for the next update, so the update counts as handled then.
 */
export class HandOff<T> {
  private current: { value: T; done: () => void } | undefined;
  private queued: { value: T; done: () => void } | undefined;
  private waiter: ((value: T) => void) | undefined;
  private closed = false;

  /** Hands an update over; resolves when the consumer is done with it. */
  give(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((done) => {
      const item = { value, done };
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        this.current = item;
        waiter(value);
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
    return new Promise<T>((resolve) => {
      this.waiter = resolve;
    });
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
