import type { MaybePromise } from './maybe.js';
import { ownerToken } from './owner-token.js';

/** A held lease: the token proves ownership, the fence orders holders. */
export interface LeaseGrant {
  /** Proves ownership to `renew` and `release`. */
  readonly token: string;
  /**
   * Greater than the fence of every earlier grant of the same key. Pass it along with writes the
   * holder makes elsewhere, so a holder that stalled past its lease (and lost it) can be refused.
   */
  readonly fence: number;
}

/**
 * A time-limited lock that a dead process cannot keep: only one holder per key, for `ttlMs`
 * unless renewed. Used so that one poller of several reads a community's Long Poll, one worker
 * runs a scheduled job. redis-bridge implements it on Redis.
 *
 * @example
 * const grant = await lease.acquire('longpoll:218734561', 30_000);
 * if (grant) {
 *   const timer = setInterval(async () => { if (!(await lease.renew('longpoll:218734561', grant.token, 30_000))) stopPolling(); }, 10_000);
 * }
 */
export interface Lease {
  /** Takes the lease if nobody holds it (or the holder's time ran out); null when it is held. */
  acquire(key: string, ttlMs: number): MaybePromise<LeaseGrant | null>;
  /** Extends a held lease by `ttlMs` from now; false when `token` no longer holds it. */
  renew(key: string, token: string, ttlMs: number): MaybePromise<boolean>;
  /** Gives the lease up; false when `token` no longer held it. */
  release(key: string, token: string): MaybePromise<boolean>;
}

/**
 * A {@link Lease} in this process's memory (for one process, and for tests).
 *
 * @example
 * const lease = new MemoryLease();
 * const first = lease.acquire('job', 1000);  // { token, fence: 1 }
 * lease.acquire('job', 1000);                // null: held
 */
export class MemoryLease implements Lease {
  private readonly held = new Map<string, { token: string; expiresAt: number }>();
  private readonly fences = new Map<string, number>();

  acquire(key: string, ttlMs: number): LeaseGrant | null {
    const now = Date.now();
    const current = this.held.get(key);
    if (current && current.expiresAt > now) return null;
    const token = ownerToken();
    const fence = (this.fences.get(key) ?? 0) + 1;
    this.fences.set(key, fence);
    this.held.set(key, { token, expiresAt: now + ttlMs });
    return { token, fence };
  }

  renew(key: string, token: string, ttlMs: number): boolean {
    const current = this.held.get(key);
    const now = Date.now();
    if (!current || current.token !== token || current.expiresAt <= now) return false;
    current.expiresAt = now + ttlMs;
    return true;
  }

  release(key: string, token: string): boolean {
    const current = this.held.get(key);
    if (!current || current.token !== token) return false;
    this.held.delete(key);
    return current.expiresAt > Date.now();
  }
}
