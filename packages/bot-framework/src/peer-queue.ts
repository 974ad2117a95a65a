/**
 * Runs tasks with bounded concurrency, one at a time per key: tasks of one conversation keep their
 * order, tasks of different conversations run side by side (up to `concurrency`).
 */
export class PeerQueue {
  private readonly tails = new Map<number, Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;

  constructor(private readonly concurrency: number) {}

  /** Runs `task` after the previous task of `key` (none for undefined) and when a slot is free. */
  run(key: number | undefined, task: () => Promise<void>): Promise<void> {
    const previous = key === undefined ? undefined : this.tails.get(key);
    const current = this.after(previous, task);
    if (key !== undefined) {
      this.tails.set(key, current);
      const forget = (): void => {
        if (this.tails.get(key) === current) this.tails.delete(key);
      };
      current.then(forget, forget);
    }
    return current;
  }

  private async after(previous: Promise<void> | undefined, task: () => Promise<void>): Promise<void> {
    if (previous !== undefined) await previous.catch(() => undefined);
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
