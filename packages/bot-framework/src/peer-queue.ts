/**
 * Runs tasks with bounded concurrency, one at a time per key: tasks of one conversation keep their
 * order, tasks of different conversations run side by side (up to `concurrency`).
 *
 * A task waiting for a slot is a closure in a queue, not a suspended `async` function: a backlog of
 * thousands of updates (a bus consumer catching up) keeps little alive through every garbage
 * collection, so each update costs about what it costs without a backlog.
 */
export class PeerQueue {
  private readonly tails = new Map<number, Promise<void>>();
  /** Starts of the tasks waiting for a slot, oldest at `head` (taken by index, not `shift`). */
  private waiting: Array<(() => void) | undefined> = [];
  private head = 0;
  private active = 0;

  constructor(private readonly concurrency: number) {}

  /** Runs `task` after the previous task of `key` (none for undefined) and when a slot is free. */
  run(key: number | undefined, task: () => Promise<void>): Promise<void> {
    const previous = key === undefined ? undefined : this.tails.get(key);
    const next = (): Promise<void> => this.whenFree(task);
    // A task runs after its predecessor settled, whether that one succeeded or not.
    const current = previous === undefined ? next() : previous.then(next, next);
    if (key !== undefined) {
      this.tails.set(key, current);
      const forget = (): void => {
        if (this.tails.get(key) === current) this.tails.delete(key);
      };
      current.then(forget, forget);
    }
    return current;
  }

  /** Starts `task` now if a slot is free, else once one is (in the order they asked). */
  private whenFree(task: () => Promise<void>): Promise<void> {
    if (this.active < this.concurrency) return this.start(task);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push(() => {
        this.start(task).then(resolve, reject);
      });
    });
  }

  private start(task: () => Promise<void>): Promise<void> {
    this.active += 1;
    let work: Promise<void>;
    try {
      work = task();
    } catch (error) {
      work = Promise.reject(error);
    }
    work.then(this.release, this.release);
    return work;
  }

  /** A task ended: its slot goes to the longest waiting one. */
  private readonly release = (): void => {
    this.active -= 1;
    if (this.head === this.waiting.length) return;
    const start = this.waiting[this.head] as () => void;
    this.waiting[this.head] = undefined;
    this.head += 1;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    start();
  };
}
