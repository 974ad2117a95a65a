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

/** Characters of a key kept inline, as bytes, in its slot; longer or non-Latin-1 keys stay strings. */
const INLINE_CHARS = 64;
/** Slots of a new store; the table doubles as keys arrive, up to `maxEntries`. */
const FIRST_CAPACITY = 1024;

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
  // Handled keys live in a ring of slots in the order they were completed: when it is full, the
  // next key takes the oldest key's slot. A key of up to 64 Latin-1 characters (every VK event key)
  // is copied into its slot as bytes and found through an open-addressing table of slot numbers,
  // so the 100k keys held are no 100k strings and Map entries for the GC to copy, promote and mark:
  // that, and cache misses in two large Maps, cost more per request than the rest of the store.
  private readonly maxEntries: number;
  private capacity = 0;
  /** Slot `s` holds its key's characters at `s * INLINE_CHARS`, its length in `lengths[s]`. */
  private chars = new Uint8Array(0);
  private lengths = new Int32Array(0);
  /** Keys not kept inline, by slot. */
  private long: Array<string | undefined> = [];
  /** A slot's key hash (odd), or 0 for an empty slot. */
  private hashes = new Int32Array(0);
  /** A slot's expiry in whole seconds since the store was made. */
  private expiries = new Float64Array(0);
  /** Slot + 1 by hash, 0 where empty; linear probing, at most half full. */
  private index = new Int32Array(0);
  private mask = 0;
  /** The slot the next key goes to. */
  private next = 0;
  private held = 0;
  private readonly seed = (Math.random() * 0x7fffffff) | 0;
  /** The hash last computed: `complete` follows `claim` of the same key. */
  private lastKey: string | undefined;
  private lastHash = 0;
  private readonly claims = new Map<string, Claim>();
  private readonly epoch = Date.now();

  constructor(options: MemoryDedupeStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2)
      throw new VkwireConfigError('MemoryDedupeStore', 'maxEntries', 'an integer ≥ 2', { got: maxEntries });
    this.maxEntries = maxEntries;
    this.grow(Math.min(maxEntries, FIRST_CAPACITY));
  }

  claim(key: string, leaseMs: number): DedupeClaim {
    if (this.isDone(key)) return DONE;
    const now = Date.now();
    const held = this.claims.get(key);
    if (held && held.expiresAt > now) return IN_PROGRESS;
    if (this.claims.size >= this.maxEntries / 2) this.sweep(now);
    const owner = ownerToken();
    this.claims.set(key, { owner, expiresAt: now + leaseMs });
    return { state: 'claimed', owner };
  }

  complete(key: string, owner: string, ttlMs: number): boolean {
    const held = this.claims.get(key);
    const ours = held === undefined || held.owner === owner || held.expiresAt <= Date.now();
    if (held && ours) this.claims.delete(key);
    const hash = this.hash(key);
    const found = this.find(key, hash);
    const expiry = this.seconds() + Math.max(1, Math.ceil(ttlMs / 1000));
    if (found >= 0) {
      const slot = (this.index[found] as number) - 1;
      // No claim left and already marked done: another owner took the lapsed claim and finished first.
      const doneBefore = held === undefined && (this.expiries[slot] as number) > this.seconds();
      this.expiries[slot] = expiry;
      return held === undefined ? !doneBefore : held.owner === owner;
    }
    this.insert(key, hash, expiry, -1 - found);
    return held === undefined ? true : held.owner === owner;
  }

  release(key: string, owner: string): boolean {
    const held = this.claims.get(key);
    if (!held || held.owner !== owner) return false;
    this.claims.delete(key);
    return true;
  }

  /** How many keys are held: handled ones (expired ones included until pushed out) and claims. */
  get size(): number {
    return this.held + this.claims.size;
  }

  private isDone(key: string): boolean {
    const found = this.find(key, this.hash(key));
    return found >= 0 && (this.expiries[(this.index[found] as number) - 1] as number) > this.seconds();
  }

  /** FNV-1a over the key's UTF-16 code units, seeded per store, made odd (0 marks an empty slot). */
  private hash(key: string): number {
    if (key === this.lastKey) return this.lastHash;
    let hash = 0x811c9dc5 ^ this.seed;
    for (let at = 0; at < key.length; at += 1) hash = Math.imul(hash ^ key.charCodeAt(at), 0x01000193);
    hash |= 1;
    this.lastKey = key;
    this.lastHash = hash;
    return hash;
  }

  /** The index position holding `key`, or `-1 - position` of the empty one where it would go. */
  private find(key: string, hash: number): number {
    const { index, mask, hashes } = this;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const entry = index[at] as number;
      if (entry === 0) return -1 - at;
      if (hashes[entry - 1] === hash && this.holds(entry - 1, key)) return at;
    }
  }

  private holds(slot: number, key: string): boolean {
    const long = this.long[slot];
    if (long !== undefined) return long === key;
    const length = this.lengths[slot] as number;
    if (length !== key.length) return false;
    const { chars } = this;
    const base = slot * INLINE_CHARS;
    for (let at = 0; at < length; at += 1) if (chars[base + at] !== key.charCodeAt(at)) return false;
    return true;
  }

  /** Puts a key not held yet into the next slot (forgetting the oldest key when the ring is full). */
  private insert(key: string, hash: number, expiry: number, free: number): void {
    if (this.held === this.capacity && this.capacity < this.maxEntries) {
      this.grow(Math.min(this.maxEntries, this.capacity * 2));
      free = -1 - this.find(key, hash);
    }
    const slot = this.next;
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.hashes[slot] !== 0) {
      this.forget(slot);
      free = -1 - this.find(key, hash);
    } else this.held += 1;
    const { length } = key;
    let inline = length <= INLINE_CHARS;
    const base = slot * INLINE_CHARS;
    for (let at = 0; inline && at < length; at += 1) {
      const code = key.charCodeAt(at);
      if (code > 0xff) inline = false;
      else this.chars[base + at] = code;
    }
    this.lengths[slot] = length;
    this.long[slot] = inline ? undefined : key;
    this.hashes[slot] = hash;
    this.expiries[slot] = expiry;
    this.index[free] = slot + 1;
  }

  /** Removes a slot's key from the index (its slot is about to be reused). */
  private forget(slot: number): void {
    const { index, mask } = this;
    let at = (this.hashes[slot] as number) & mask;
    while (index[at] !== slot + 1) at = (at + 1) & mask;
    // Backward-shift deletion: entries after the hole that may live there move up.
    let hole = at;
    for (let next = (at + 1) & mask; index[next] !== 0; next = (next + 1) & mask) {
      const home = (this.hashes[(index[next] as number) - 1] as number) & mask;
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        index[hole] = index[next] as number;
        hole = next;
      }
    }
    index[hole] = 0;
    this.long[slot] = undefined;
  }

  /** Grows the ring to `capacity` slots (only before it is full once: slots are in order) and rebuilds the index. */
  private grow(capacity: number): void {
    const chars = new Uint8Array(capacity * INLINE_CHARS);
    chars.set(this.chars);
    const lengths = new Int32Array(capacity);
    lengths.set(this.lengths);
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    const expiries = new Float64Array(capacity);
    expiries.set(this.expiries);
    this.chars = chars;
    this.lengths = lengths;
    this.hashes = hashes;
    this.expiries = expiries;
    this.long.length = capacity;
    let size = 1;
    while (size < capacity * 2) size *= 2;
    const index = new Int32Array(size);
    const mask = size - 1;
    for (let slot = 0; slot < this.capacity; slot += 1) {
      if (hashes[slot] === 0) continue;
      let at = (hashes[slot] as number) & mask;
      while (index[at] !== 0) at = (at + 1) & mask;
      index[at] = slot + 1;
    }
    this.index = index;
    this.mask = mask;
    this.next = this.capacity;
    this.capacity = capacity;
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
