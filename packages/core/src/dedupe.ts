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

/**
 * A {@link DedupeStore} that also takes a key in two parts, a scope (a community's id) and an id
 * (VK's `event_id`), without joining them into one string per call: `claimIn(scope, id, …)` is
 * `claim(\`${scope}:${id}\`, …)` and addresses the same entry. The Callback receiver uses this form
 * when the store has it.
 */
export interface ScopedDedupeStore extends DedupeStore {
  /** {@link DedupeStore.claim} of `${scope}:${id}`; `scope` is a safe integer. */
  claimIn(scope: number, id: string, leaseMs: number): MaybePromise<DedupeClaim>;
  /** {@link DedupeStore.complete} of `${scope}:${id}`. */
  completeIn(scope: number, id: string, owner: string, ttlMs: number): MaybePromise<boolean>;
  /** {@link DedupeStore.release} of `${scope}:${id}`. */
  releaseIn(scope: number, id: string, owner: string): MaybePromise<boolean>;
}

/** Whether `store` also takes keys in two parts ({@link ScopedDedupeStore}). */
export function isScopedDedupeStore(store: DedupeStore): store is ScopedDedupeStore {
  const scoped = store as Partial<ScopedDedupeStore>;
  return (
    typeof scoped.claimIn === 'function' &&
    typeof scoped.completeIn === 'function' &&
    typeof scoped.releaseIn === 'function'
  );
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

/** The keys of one scope: done marks in two generations, and claims. */
interface Scope {
  current: Map<string, number>;
  previous: Map<string, number>;
  readonly claims: Map<string, Claim>;
}

/**
 * A {@link DedupeStore} in this process's memory: handled keys with a TTL each, at most
 * `maxEntries` of them (the oldest forgotten first), claims with their owners and leases. Enough
 * for one process; behind a load balancer use a shared one (redis-bridge). Also a
 * {@link ScopedDedupeStore}: keys are kept by scope (`218734561:ev1` as `ev1` in the table of
 * 218734561), so the two-part form never joins strings.
 *
 * @example
 * const store = new MemoryDedupeStore({ maxEntries: 10_000 });
 * const claim = store.claim('218734561:ev1', 60_000);
 * if (claim.state === 'claimed') { await handle(); store.complete('218734561:ev1', claim.owner, 6 * 3600_000); }
 */
export class MemoryDedupeStore implements ScopedDedupeStore {
  // Handled keys live in two generations of half the room each (counted over every scope): new
  // keys go to `current`; when the generation is full every scope's `current` becomes its
  // `previous` and the old `previous` is dropped whole. Forgetting is then free and the tables
  // written to stay small. Values are expiries in whole seconds since the store was made: small
  // integers, no object per key, so 100k keys stay cheap for the GC.
  private readonly scopes = new Map<number, Scope>();
  /** Keys without a canonical integer prefix, kept whole. */
  private readonly unscoped = newScope();
  private readonly generation: number;
  /** Done marks written to the current generation, over every scope. */
  private written = 0;
  /** Claims held, over every scope. */
  private claimed = 0;
  private readonly epoch = Date.now();

  constructor(options: MemoryDedupeStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 2)
      throw new VkwireConfigError('MemoryDedupeStore', 'maxEntries', 'an integer ≥ 2', { got: maxEntries });
    this.generation = Math.floor(maxEntries / 2);
  }

  claim(key: string, leaseMs: number): DedupeClaim {
    const colon = scopeEnd(key);
    return colon === -1
      ? this.claimAt(this.unscoped, key, leaseMs)
      : this.claimAt(this.table(Number(key.slice(0, colon))), key.slice(colon + 1), leaseMs);
  }

  complete(key: string, owner: string, ttlMs: number): boolean {
    const colon = scopeEnd(key);
    return colon === -1
      ? this.completeAt(this.unscoped, key, owner, ttlMs)
      : this.completeAt(this.table(Number(key.slice(0, colon))), key.slice(colon + 1), owner, ttlMs);
  }

  release(key: string, owner: string): boolean {
    const colon = scopeEnd(key);
    return colon === -1
      ? releaseAt(this.unscoped, key, owner) && this.released()
      : releaseAt(this.scopes.get(Number(key.slice(0, colon))), key.slice(colon + 1), owner) &&
          this.released();
  }

  claimIn(scope: number, id: string, leaseMs: number): DedupeClaim {
    return this.claimAt(this.table(scope), id, leaseMs);
  }

  completeIn(scope: number, id: string, owner: string, ttlMs: number): boolean {
    return this.completeAt(this.table(scope), id, owner, ttlMs);
  }

  releaseIn(scope: number, id: string, owner: string): boolean {
    return releaseAt(this.scopes.get(scope), id, owner) && this.released();
  }

  /** How many keys are held: handled ones (expired ones included until pushed out) and claims. */
  get size(): number {
    let size = 0;
    for (const table of [this.unscoped, ...this.scopes.values()])
      size += table.current.size + table.previous.size + table.claims.size;
    return size;
  }

  private claimAt(table: Scope, id: string, leaseMs: number): DedupeClaim {
    const now = Date.now();
    if (isDone(table, id, this.seconds(now))) return DONE;
    const held = table.claims.get(id);
    if (held !== undefined) {
      if (held.expiresAt > now) return IN_PROGRESS;
    } else {
      if (this.claimed >= this.generation) this.sweep(now);
      this.claimed += 1;
    }
    const owner = ownerToken();
    table.claims.set(id, { owner, expiresAt: now + leaseMs });
    return { state: 'claimed', owner };
  }

  private completeAt(table: Scope, id: string, owner: string, ttlMs: number): boolean {
    const now = Date.now();
    const held = table.claims.get(id);
    if (held !== undefined && (held.owner === owner || held.expiresAt <= now)) {
      table.claims.delete(id);
      this.claimed -= 1;
    }
    const seconds = this.seconds(now);
    // No claim left and already marked done: another owner took the lapsed claim and finished first.
    const doneBefore = held === undefined && isDone(table, id, seconds);
    table.current.set(id, seconds + Math.max(1, Math.ceil(ttlMs / 1000)));
    this.written += 1;
    if (this.written >= this.generation) this.rotate();
    return held === undefined ? !doneBefore : held.owner === owner;
  }

  /** Counts a claim {@link releaseAt} removed; always true. */
  private released(): boolean {
    this.claimed -= 1;
    return true;
  }

  /** The table of `scope`, made on first use. */
  private table(scope: number): Scope {
    const found = this.scopes.get(scope);
    if (found !== undefined) return found;
    if (!Number.isSafeInteger(scope))
      throw new TypeError(`MemoryDedupeStore: a scope is a safe integer, got ${String(scope)}`);
    const table = newScope();
    this.scopes.set(scope, table);
    return table;
  }

  /** The generation is full: every scope's current marks become its previous ones. */
  private rotate(): void {
    this.written = 0;
    this.unscoped.previous = this.unscoped.current;
    this.unscoped.current = new Map();
    for (const [scope, table] of this.scopes) {
      if (table.current.size === 0 && table.claims.size === 0) this.scopes.delete(scope);
      else {
        table.previous = table.current;
        table.current = new Map();
      }
    }
  }

  private sweep(now: number): void {
    for (const table of [this.unscoped, ...this.scopes.values()])
      for (const [id, claim] of table.claims)
        if (claim.expiresAt <= now) {
          table.claims.delete(id);
          this.claimed -= 1;
        }
  }

  private seconds(now: number): number {
    return Math.floor((now - this.epoch) / 1000);
  }
}

function newScope(): Scope {
  return { current: new Map(), previous: new Map(), claims: new Map() };
}

/** Removes `owner`'s claim of `id`; false when it does not hold it (then nothing is touched). */
function releaseAt(table: Scope | undefined, id: string, owner: string): boolean {
  const held = table?.claims.get(id);
  if (table === undefined || held === undefined || held.owner !== owner) return false;
  table.claims.delete(id);
  return true;
}

function isDone(table: Scope, id: string, seconds: number): boolean {
  const until = table.current.get(id) ?? table.previous.get(id);
  return until !== undefined && until > seconds;
}

/**
 * Where a key's scope ends: the index of the colon after a canonical safe-integer prefix
 * (`218734561:ev1` → 9), or -1 for a key kept whole (`ev1`, `01:x`, `a:b`).
 */
function scopeEnd(key: string): number {
  const colon = key.indexOf(':');
  if (colon <= 0) return -1;
  const prefix = key.slice(0, colon);
  const scope = Number(prefix);
  return Number.isSafeInteger(scope) && String(scope) === prefix ? colon : -1;
}

const DONE: DedupeClaim = Object.freeze({ state: 'done' });
const IN_PROGRESS: DedupeClaim = Object.freeze({ state: 'in_progress' });
