/** Options of a community's Bots Long Poll history. */
export interface EventStreamOptions {
  /** How many events are kept; older ones are gone and a poll from before them gets `failed: 1`. */
  historySize: number;
}

/**
 * What a poll from `ts` reads: `pieces` are UTF-8 bytes of consecutive events, each piece a
 * comma-separated run (join the pieces with a comma to get the `updates` array's contents).
 */
export type ReadResult =
  | { kind: 'events'; pieces: Uint8Array[]; count: number; ts: number }
  | { kind: 'outdated'; ts: number };

const CHUNK_BYTES = 4 * 1024 * 1024;
const COMMA = 0x2c;

interface Chunk {
  bytes: Buffer;
  used: number;
}

/**
 * The event history of one community's Bots Long Poll. Events are serialized once, stored as
 * UTF-8 back to back in large chunks (each followed by a comma), so an answer is a zero-copy
 * slice of consecutive events: no joining or re-encoding per answer, little for the GC to scan.
 */
export class EventStream {
  private chunks: Chunk[] = [];
  /** Per kept event: its chunk (as an index into `chunks` + `chunkBase`), start and end byte. */
  private chunkOf: number[] = [];
  private startOf: number[] = [];
  private endOf: number[] = [];
  /** Sequence number of the first kept event. */
  private firstSeq = 1;
  /** Chunk index of `chunks[0]`. */
  private chunkBase = 0;
  private waiters = new Set<() => void>();
  private notifyScheduled = false;

  constructor(private readonly options: EventStreamOptions) {}

  /** The `ts` of the newest event (0 before the first one). */
  get lastSeq(): number {
    return this.firstSeq + this.chunkOf.length - 1;
  }

  /** Appends an event and wakes waiting polls (once per tick, so bulk appends coalesce). */
  push(json: string): void {
    const length = Buffer.byteLength(json);
    let chunk = this.chunks[this.chunks.length - 1];
    if (!chunk || chunk.used + length + 1 > chunk.bytes.length) {
      chunk = { bytes: Buffer.allocUnsafe(Math.max(CHUNK_BYTES, length + 1)), used: 0 };
      this.chunks.push(chunk);
    }
    const start = chunk.used;
    chunk.bytes.write(json, start, 'utf8');
    chunk.bytes[start + length] = COMMA;
    chunk.used = start + length + 1;
    this.chunkOf.push(this.chunkBase + this.chunks.length - 1);
    this.startOf.push(start);
    this.endOf.push(start + length);
    this.trim();
    if (!this.notifyScheduled && this.waiters.size > 0) {
      this.notifyScheduled = true;
      setImmediate(() => this.notify());
    }
  }

  /**
   * Events after `ts`, at most `limit`, and the `ts` to continue from. A `ts` from before the kept
   * history, or after the newest event, reads as outdated (VK's `failed: 1`) with the `ts` to
   * continue from.
   */
  read(ts: number, limit: number): ReadResult {
    const oldestReadable = this.lastSeq - Math.min(this.chunkOf.length, this.options.historySize) + 1;
    if (ts < oldestReadable - 1 || ts > this.lastSeq) {
      return { kind: 'outdated', ts: ts > this.lastSeq ? this.lastSeq : oldestReadable - 1 };
    }
    const first = ts + 1 - this.firstSeq;
    const end = Math.min(this.chunkOf.length, first + limit);
    const pieces: Uint8Array[] = [];
    let index = first;
    while (index < end) {
      const chunkIndex = this.chunkOf[index] as number;
      let last = index;
      while (last + 1 < end && this.chunkOf[last + 1] === chunkIndex) last += 1;
      const chunk = this.chunks[chunkIndex - this.chunkBase] as Chunk;
      pieces.push(chunk.bytes.subarray(this.startOf[index], this.endOf[last]));
      index = last + 1;
    }
    return { kind: 'events', pieces, count: end - first, ts: this.firstSeq + end - 1 };
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

  /** Drops events past the history size, in steps, and the chunks no kept event uses. */
  private trim(): void {
    // Trim in steps: dropping one event per push would make a bulk append quadratic.
    const excess = this.chunkOf.length - this.options.historySize;
    if (excess < 1024 && excess < this.options.historySize / 4) return;
    if (excess <= 0) return;
    this.chunkOf.splice(0, excess);
    this.startOf.splice(0, excess);
    this.endOf.splice(0, excess);
    this.firstSeq += excess;
    const firstChunk = this.chunkOf[0] ?? this.chunkBase + this.chunks.length - 1;
    const unused = firstChunk - this.chunkBase;
    if (unused > 0) {
      this.chunks.splice(0, unused);
      this.chunkBase += unused;
    }
  }

  private notify(): void {
    this.notifyScheduled = false;
    for (const wake of [...this.waiters]) wake();
  }
}
