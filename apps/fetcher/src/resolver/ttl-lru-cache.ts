interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A bounded map from numeric ids to values that expire. The least recently used entry goes first
 * when the map is full; an expired entry is no longer a hit but stays (until it is pushed out) so a
 * failed refresh can fall back on it.
 */
export class TtlLruCache<V> {
  // A Map iterates in insertion order: re-inserting on each hit keeps the oldest use first.
  private readonly entries = new Map<number, Entry<V>>();

  /**
   * @param capacity most entries kept
   * @param now the clock TTLs are measured on, in milliseconds
   */
  constructor(
    private readonly capacity: number,
    private readonly now: () => number,
  ) {}

  /** The value of a key that has not expired (and marks it used), or undefined. */
  get(key: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt <= this.now()) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value of a key even when it has expired, or undefined when it was never kept or was pushed out. */
  stale(key: number): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Keeps a value for `ttlMs` milliseconds, pushing out the least recently used entry when full. */
  set(key: number, value: V, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }

  /** How many entries are kept, expired ones included. */
  get size(): number {
    return this.entries.size;
  }
}
