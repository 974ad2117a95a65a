import type { KeyValueStore, MaybePromise } from '@vkwire/core';

/**
 * Where cooldowns keep the times of recent calls: a sliding-window log per key (at most `limit`
 * times, each forgotten `windowMs` after it). {@link MemoryCooldownStore} keeps it in this
 * process; {@link keyValueCooldownStore} puts it in any `KeyValueStore` (Redis through
 * redis-bridge), so several bot processes share their cooldowns.
 */
export interface CooldownStore {
  /**
   * Records a call in `key` when fewer than `limit` calls were recorded in the last `windowMs`
   * before `now`, and answers 0; otherwise records nothing and answers the milliseconds until one
   * of them leaves the window.
   */
  take(key: string, limit: number, windowMs: number, now: number): MaybePromise<number>;
  /** Forgets the calls recorded in `key`. */
  reset(key: string): MaybePromise<void>;
}

interface Log {
  /** Times of the recorded calls still in the window, oldest first. */
  times: number[];
  /** When the newest leaves the window: the log is dropped then. */
  expiresAt: number;
}

/**
 * A {@link CooldownStore} in this process's memory. A key whose calls have all left the window is
 * dropped on the next call to any key, so the store holds only buckets used within the last
 * window (no timers, no unbounded growth). Shared by cooldowns of different windows, a key may
 * outlive its window until the keys written before it have expired.
 *
 * @example
 * const store = new MemoryCooldownStore();
 * const slow = cooldown({ per: '10s', store });
 * const fast = cooldown({ per: '10s', limit: 5, store });
 */
export class MemoryCooldownStore implements CooldownStore {
  // Insertion order is write order, and every write moves its key to the end: with one window
  // length the first key is always the one to expire first.
  private readonly logs = new Map<string, Log>();

  take(key: string, limit: number, windowMs: number, now: number): number {
    this.sweep(now);
    const log = this.logs.get(key);
    const times = log === undefined ? [] : log.times.filter((time) => time > now - windowMs);
    if (times.length >= limit) {
      const oldest = times[times.length - limit] as number;
      return Math.max(1, oldest + windowMs - now);
    }
    times.push(now);
    if (times.length > limit) times.splice(0, times.length - limit);
    this.logs.delete(key);
    this.logs.set(key, { times, expiresAt: now + windowMs });
    return 0;
  }

  reset(key: string): void {
    this.logs.delete(key);
  }

  /** Buckets holding calls still in their window (expired ones are dropped first). */
  get size(): number {
    this.sweep(Date.now());
    return this.logs.size;
  }

  private sweep(now: number): void {
    for (const [key, log] of this.logs) {
      if (log.expiresAt > now) break;
      this.logs.delete(key);
    }
  }
}

/** Options of {@link keyValueCooldownStore}. */
export interface KeyValueCooldownStoreOptions {
  /** Put before every key, to share one store with other data. @default 'cooldown:' */
  prefix?: string;
  /** Compare-and-set attempts when other processes write the same key at once. @default 10 */
  attempts?: number;
}

/**
 * A {@link CooldownStore} over a `KeyValueStore` (for example redis-bridge's): each key holds the
 * times of its recent calls as a JSON array with a TTL of the window, updated with
 * compare-and-set, so processes sharing the store share the cooldown. When the key keeps changing
 * under it for `attempts` tries the call counts as over the limit (retry after 1 ms).
 *
 * @example
 * const store = keyValueCooldownStore(redisKeyValueStore);
 * bot.command('roll', { checks: [cooldown({ per: '30s', store, id: 'roll' })] }, roll);
 */
export function keyValueCooldownStore(
  store: KeyValueStore,
  options: KeyValueCooldownStoreOptions = {},
): CooldownStore {
  const prefix = options.prefix ?? 'cooldown:';
  const attempts = options.attempts ?? 10;
  return {
    async take(key, limit, windowMs, now) {
      const full = prefix + key;
      for (let attempt = 0; attempt < attempts; attempt++) {
        const entry = await store.get(full);
        const stored: unknown = entry?.value;
        const times = (Array.isArray(stored) ? stored : []).filter(
          (time): time is number => typeof time === 'number' && time > now - windowMs,
        );
        if (times.length >= limit)
          return Math.max(1, (times[times.length - limit] as number) + windowMs - now);
        times.push(now);
        const kept = times.slice(-limit);
        if (await store.set(full, kept, { ttlMs: windowMs, ifVersion: entry?.version ?? 0 })) return 0;
      }
      // Others keep winning the race for this key: treat the call as one too many, briefly.
      return 1;
    },
    async reset(key) {
      await store.delete(prefix + key);
    },
  };
}
