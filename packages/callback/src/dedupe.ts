/** What `claim` found for an event. */
export type DedupeClaim =
  /** Nobody handled it: the caller now holds it (for `leaseMs`) and must `complete` or `release` it. */
  | 'claimed'
  /** It was handled already: answer `ok` without handling it again. */
  | 'done'
  /** Someone (this process or another) is handling it right now. */
  | 'in_progress';

/**
 * Where handled `event_id`s are remembered, so that VK's redeliveries are handled once. The
 * default is {@link MemoryDedupeStore}; `@vkwire/redis-bridge` provides one shared by processes.
 *
 * Each method may answer synchronously or with a promise. A Redis store maps naturally:
 * `claim` = `SET key pending NX PX leaseMs` (on failure `GET key` tells done from in progress),
 * `complete` = `SET key done PX ttlMs`, `release` = delete the key if it still says pending.
 */
export interface CallbackDedupeStore {
  /**
   * Atomically claims an event for handling. A claim that is neither completed nor released
   * within `leaseMs` (the process died) lapses, so a later redelivery can claim it again.
   */
  claim(key: string, leaseMs: number): DedupeClaim | Promise<DedupeClaim>;
  /** Marks a claimed event handled; `claim` answers `done` for `ttlMs`. */
  complete(key: string, ttlMs: number): void | Promise<void>;
  /** Gives a claim up after a failure, so VK's next redelivery is handled again. */
  release(key: string): void | Promise<void>;
}

/** Options of {@link MemoryDedupeStore}. */
export interface MemoryDedupeStoreOptions {
  /** Most keys kept; the oldest go first. @default 100000 */
  maxEntries?: number;
}

/**
 * An in-process {@link CallbackDedupeStore}: keys with a TTL each, at most `maxEntries` of them,
 * the oldest forgotten first. Enough for one process; behind a load balancer use a shared store.
 */
export class MemoryDedupeStore implements CallbackDedupeStore {
  // Two generations of half the room each: new keys go to `current`; when it is full it becomes
  // `previous` and the old `previous` is dropped whole. Forgetting is then free (no per-key
  // deletes that leave a big table full of holes), and the table written to stays small.
  // Values are expiries in whole seconds since the store was made: positive when done, negative
  // while claimed; small integers, no object per key, so 100k keys stay cheap for the GC.
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private readonly generation: number;
  private readonly epoch = Date.now();

  constructor(options: MemoryDedupeStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2)
      throw new RangeError(`MemoryDedupeStore: maxEntries must be an integer ≥ 2, got ${maxEntries}`);
    this.generation = Math.floor(maxEntries / 2);
  }

  claim(key: string, leaseMs: number): DedupeClaim {
    const now = this.now();
    const entry = this.current.get(key) ?? this.previous.get(key);
    if (entry !== undefined) {
      if (entry > now) return 'done';
      if (-entry > now) return 'in_progress';
    }
    this.put(key, -(now + Math.ceil(leaseMs / 1000)));
    return 'claimed';
  }

  complete(key: string, ttlMs: number): void {
    this.put(key, Math.max(1, this.now() + Math.floor(ttlMs / 1000)));
  }

  release(key: string): void {
    const entry = this.current.get(key);
    if (entry !== undefined && entry < 0) this.current.delete(key);
    const older = this.previous.get(key);
    if (older !== undefined && older < 0) this.previous.delete(key);
  }

  /** How many keys are held (expired ones included until they are pushed out). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  private put(key: string, value: number): void {
    this.current.set(key, value);
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  private now(): number {
    // From 2, so that an entry that expired at once is still a positive (done) number.
    return Math.floor((Date.now() - this.epoch) / 1000) + 2;
  }
}
