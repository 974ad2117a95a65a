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
  /** Most keys kept; the least recently claimed go first. @default 100000 */
  maxEntries?: number;
}

/**
 * An in-process {@link CallbackDedupeStore}: an LRU map with a TTL per entry. Enough for one
 * process; behind a load balancer use a shared store.
 */
export class MemoryDedupeStore implements CallbackDedupeStore {
  // key → expiry in whole seconds since the store was made: positive when done, negative while
  // claimed. Small integers, no object per entry: 100k entries stay cheap for the GC.
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly epoch = Date.now();

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  claim(key: string, leaseMs: number): DedupeClaim {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry > now) return 'done';
      if (-entry > now) return 'in_progress';
      this.entries.delete(key);
    }
    this.entries.set(key, -(now + Math.ceil(leaseMs / 1000)));
    if (this.entries.size > this.maxEntries) this.evict(now);
    return 'claimed';
  }

  complete(key: string, ttlMs: number): void {
    this.entries.set(key, Math.max(1, this.now() + Math.floor(ttlMs / 1000)));
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry < 0) this.entries.delete(key);
  }

  /** How many keys are held (expired ones included until they are pushed out). */
  get size(): number {
    return this.entries.size;
  }

  private now(): number {
    // From 2, so that an entry that expired at once is still a positive (done) number.
    return Math.floor((Date.now() - this.epoch) / 1000) + 2;
  }

  private evict(now: number): void {
    // Map order is insertion order: the oldest claims come first. Expired and done entries go
    // first, then the oldest, until a tenth of the room is free, so eviction runs rarely.
    const target = Math.floor(this.maxEntries * 0.9);
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= target) break;
      if (entry > 0 || -entry <= now) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.entries.delete(key);
    }
  }
}
