/** A FIFO counting semaphore: at most `limit` holders. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  /** @param limit how many may hold a slot at once */
  constructor(limit: number) {
    this.#free = limit;
  }

  /** Takes a slot now if one is free (and nobody waits). */
  tryAcquire(): boolean {
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free--;
      return true;
    }
    return false;
  }

  /** Resolves once a slot is taken. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Gives a slot back (to the longest waiter, if any). */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
