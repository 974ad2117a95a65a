/** Options of a community's Bots Long Poll history. */
export interface EventStreamOptions {
  /** How many events are kept; older ones are gone and a poll from before them gets `failed: 1`. */
  historySize: number;
}

/** What a poll from `ts` reads. */
export type ReadResult = { kind: 'events'; events: string[]; ts: number } | { kind: 'outdated'; ts: number };

/**
 * The event history of one community's Bots Long Poll: serialized events numbered from 1, the
 * `ts` of the newest, and the polls waiting for the next event.
 */
export class EventStream {
  private events: string[] = [];
  /** Sequence number of `events[0]`. */
  private firstSeq = 1;
  private waiters = new Set<() => void>();
  private notifyScheduled = false;

  constructor(private readonly options: EventStreamOptions) {}

  /** The `ts` of the newest event (0 before the first one). */
  get lastSeq(): number {
    return this.firstSeq + this.events.length - 1;
  }

  /** Appends an event and wakes waiting polls (once per tick, so bulk appends coalesce). */
  push(json: string): void {
    this.events.push(json);
    // Trim in chunks: shifting one element per event would make a bulk append quadratic.
    if (this.events.length > this.options.historySize * 1.25 + 1024) {
      const excess = this.events.length - this.options.historySize;
      this.events.splice(0, excess);
      this.firstSeq += excess;
    }
    if (!this.notifyScheduled && this.waiters.size > 0) {
      this.notifyScheduled = true;
      setImmediate(() => this.notify());
    }
  }

  /**
   * Events after `ts`, at most `limit`, and the `ts` to continue from. A `ts` from before the kept
   * history reads as outdated (VK's `failed: 1`) with the `ts` to continue from.
   */
  read(ts: number, limit: number): ReadResult {
    const oldestReadable =
      this.firstSeq + this.events.length - Math.min(this.events.length, this.options.historySize);
    if (ts < oldestReadable - 1 || ts > this.lastSeq) {
      return { kind: 'outdated', ts: ts > this.lastSeq ? this.lastSeq : oldestReadable - 1 };
    }
    const start = ts + 1 - this.firstSeq;
    const end = Math.min(this.events.length, start + limit);
    return {
      kind: 'events',
      events: start < end ? this.events.slice(start, end) : [],
      ts: this.firstSeq + end - 1,
    };
  }

  /** Resolves when an event after `ts` exists, or with false when `signal` aborts first. */
  waitForEvents(ts: number, signal: AbortSignal): Promise<boolean> {
    if (this.lastSeq > ts) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(wake);
        resolve(true);
      };
      const onAbort = (): void => {
        this.waiters.delete(wake);
        resolve(false);
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private notify(): void {
    this.notifyScheduled = false;
    for (const wake of [...this.waiters]) wake();
  }
}
