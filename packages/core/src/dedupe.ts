import { VkwireConfigError } from './errors.js';
import type { MaybePromise } from './maybe.js';
import { ownerToken } from './owner-token.js';

/** What {@link DedupeStore.claim} found for a key. */
export type DedupeClaim =
  /** Nobody handles it: the caller holds it for `leaseMs` and must `complete` or `release` it with `owner`. */
  | { readonly state: 'claimed'; readonly owner: string }
  /** It was handled already: do not handle it again. */
  | { readonly state: 'done' }
  /** Someone (this process or another) is handling it right now. */
  | { readonly state: 'in_progress' };

/**
 * Remembers which events were handled, so redeliveries (VK's Callback API retries, a restarted
 * poller, a second replica) are handled once. Shared by every process that handles the same
 * events: the Callback receiver uses it, `@vkwire/redis-bridge` implements it on Redis, and
 * {@link MemoryDedupeStore} is the one-process version.
 *
 * Every method may answer synchronously or with a promise.
 *
 * Ownership makes a shared store safe: a claim carries an `owner` token, and only that owner can
 * complete or release it. A process that stalls past its lease and then fails cannot delete the
 * claim another process took in the meantime. On Redis: `claim` = `SET key owner NX PX leaseMs`
 * (on failure a `GET` tells a done mark from a claim), `complete` and `release` = a script that
 * compares the owner first.
 */
export interface DedupeStore {
  /**
   * Atomically claims `key`. A claim neither completed nor released within `leaseMs` lapses
   * (its process died or stalled), so a later redelivery can claim it again.
   */
  claim(key: string, leaseMs: number): MaybePromise<DedupeClaim>;
  /**
   * Marks `key` handled for `ttlMs`: `claim` answers `done` until then. Written whatever the claim's
   * state (the event *was* handled); answers false when the claim had lapsed and another owner
   * took it, whether it still holds it or has completed it already (a double handling happened:
   * worth a warning).
   */
  complete(key: string, owner: string, ttlMs: number): MaybePromise<boolean>;
  /**
   * Gives up the claim after a failure, so the next redelivery is handled again. Only the owner's
   * claim is removed; answers false when `owner` no longer holds it (it lapsed), and then nothing
   * is touched.
   */
  release(key: string, owner: string): MaybePromise<boolean>;
}

/** Options of {@link MemoryDedupeStore}. */
export interface MemoryDedupeStoreOptions {
  /** Most handled keys kept; the oldest are forgotten first. @default 100000 */
  maxEntries?: number;
}

interface Claim {
  owner: string;
  /** Date.now() past which the claim lapses. */
  expiresAt: number;
}

/**
 * A {@link DedupeStore} in this process's memory: handled keys with a TTL each, at most
 * `maxEntries` of them (the oldest forgotten first), claims with their owners and leases. Enough
 * for one process; behind a load balancer use a shared one (redis-bridge).
 *
 * @example
 * const store = new MemoryDedupeStore({ maxEntries: 10_000 });
 * const claim = store.claim('218734561:ev1', 60_000);
 * if (claim.state === 'claimed') { await handle(); store.complete('218734561:ev1', claim.owner, 6 * 3600_000); }
 */
export class MemoryDedupeStore implements DedupeStore {
  // Handled keys live in two generations of half the room each: new keys go to `current`; when it
  // is full it becomes `previous` and the old `previous` is dropped whole. Forgetting is then free
  // and the table written to stays small. Values are expiries in whole seconds since the store was
  // made: small integers, no object per key, so 100k keys stay cheap for the GC.
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private readonly claims = new Map<string, Claim>();
  private readonly generation: number;
  private readonly epoch = Date.now();

  constructor(options: MemoryDedupeStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2)
      throw new VkwireConfigError('MemoryDedupeStore', 'maxEntries', 'an integer ≥ 2', { got: maxEntries });
    this.generation = Math.floor(maxEntries / 2);
  }

  claim(key: string, leaseMs: number): DedupeClaim {
    if (this.isDone(key)) return DONE;
    const now = Date.now();
    const held = this.claims.get(key);
    if (held && held.expiresAt > now) return IN_PROGRESS;
    if (this.claims.size >= this.generation) this.sweep(now);
    const owner = ownerToken();
    this.claims.set(key, { owner, expiresAt: now + leaseMs });
    return { state: 'claimed', owner };
  }

  complete(key: string, owner: string, ttlMs: number): boolean {
    const held = this.claims.get(key);
    const ours = held === undefined || held.owner === owner || held.expiresAt <= Date.now();
    if (held && ours) this.claims.delete(key);
    // No claim left and already marked done: another owner took the lapsed claim and finished first.
    const doneBefore = held === undefined && this.isDone(key);
    this.current.set(key, this.seconds() + Math.max(1, Math.ceil(ttlMs / 1000)));
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
    return held === undefined ? !doneBefore : held.owner === owner;
  }

  release(key: string, owner: string): boolean {
    const held = this.claims.get(key);
    if (!held || held.owner !== owner) return false;
    this.claims.delete(key);
    return true;
  }

  /** How many keys are held: handled ones (expired ones included until pushed out) and claims. */
  get size(): number {
    return this.current.size + this.previous.size + this.claims.size;
  }

  private isDone(key: string): boolean {
    const until = this.current.get(key) ?? this.previous.get(key);
    return until !== undefined && until > this.seconds();
  }

  private sweep(now: number): void {
    for (const [key, claim] of this.claims) if (claim.expiresAt <= now) this.claims.delete(key);
  }

  private seconds(): number {
    return Math.floor((Date.now() - this.epoch) / 1000);
  }
}

const DONE: DedupeClaim = Object.freeze({ state: 'done' });
const IN_PROGRESS: DedupeClaim = Object.freeze({ state: 'in_progress' });
