import { type MaybePromise, VkwireConfigError } from '@vkwire/core';

/** Which requests share a limit, the limit, and how long one request may hold its grant. */
export interface RateLimitSlot {
  /** Identifies the token (a fingerprint, never the token itself: shared stores see keys). */
  key: string;
  /** Requests allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
  /**
   * The longest a request may hold its grant, in milliseconds: VkApi sets it a little above its
   * per-attempt timeout, after which the request is surely over. A limiter counts a grant whose
   * `done()` has not come by then as answered at that moment, so a process that died (or hung)
   * in the middle of a request cannot block the key for everyone else. Left out: no lease.
   */
  leaseMs?: number;
}

/** Permission for one request: call `done()` once its answer (or failure) has come back. */
export interface RateLimitGrant {
  /**
   * The request is over (answered, failed or abandoned). Called once; a shared limiter may
   * answer with a promise (VkApi logs a rejection and carries on: the lease frees the grant).
   */
  done(): MaybePromise<void>;
}

/**
 * Decides when a request may go. Implementations: `MemoryRateLimiter` (one process);
 * redis-bridge ships one shared by every process using the token.
 *
 * What VkApi relies on (and what an implementation must do):
 * - `acquire` resolves when one request for `slot.key` may be sent now, at most `slot.limit`
 *   per `slot.windowMs`; it may answer synchronously or with a promise.
 * - When `signal` aborts first (the call was aborted, or `close()` gave up waiting), `acquire`
 *   rejects with `signal.reason` soon and gives no grant (VkApi also stops waiting on its own, and
 *   hands a grant that comes later straight back with `done()`).
 * - Any other rejection fails only the call the grant was asked for; the next call asks again.
 * - A grant whose `done()` has not come within `slot.leaseMs` counts as answered then.
 * - `pause` holds every request of the key (VK answered error 6); optional, may be async.
 *
 * @example
 * // a limiter that lets everything through (for a proxy that enforces the limit itself)
 * const open: RateLimiter = { acquire: () => ({ done() {} }) };
 */
export interface RateLimiter {
  /** Resolves when a request may be sent; rejects with `signal.reason` when aborted first. */
  acquire(slot: RateLimitSlot, signal: AbortSignal): MaybePromise<RateLimitGrant>;
  /** Holds every request of the key for `ms` (after VK answered error 6). Optional. */
  pause?(key: string, ms: number): MaybePromise<void>;
}

/** Options of `MemoryRateLimiter`. */
export interface MemoryRateLimiterOptions {
  /** Extra milliseconds added to each window, for clock granularity. @default 5 */
  marginMs?: number;
}

/** How far behind now the plan may be: covers timer lateness, never a burst. */
const LATENESS_TOLERANCE_MS = 5;

interface Grant {
  /** When the answer came back; undefined while the request is in flight. */
  done: number | undefined;
  /** When the grant counts as answered even without `done()` (`slot.leaseMs` after it was given). */
  leaseEnds: number;
}

interface KeyState {
  /** The last `limit` grants, oldest first. */
  grants: Grant[];
  /** Planned time of the next grant: the previous planned time plus the spacing. */
  nextPlanned: number;
  /** Time until which the key is paused. */
  pausedUntil: number;
  /** Waiters in order. */
  waiters: Array<{
    resolve: (grant: RateLimitGrant) => void;
    reject: (reason: unknown) => void;
    signal: AbortSignal | undefined;
    onAbort: () => void;
  }>;
  timer: NodeJS.Timeout | undefined;
  slot: RateLimitSlot | undefined;
}

/**
 * An in-process limiter that never lets VK count more than `limit` requests in a window. VK
 * counts arrivals, which the client cannot see: a request arrives after it is sent (a new
 * connection, a busy event loop) but surely before its answer comes back. So a request may go
 * only when the one `limit` grants earlier was answered at least `windowMs` (+ a margin) ago.
 * Requests are also planned `windowMs / limit` apart, so they flow evenly instead of in bursts.
 * A grant never answered counts as answered when its `slot.leaseMs` runs out.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly marginMs: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    const marginMs = options.marginMs ?? 5;
    if (typeof marginMs !== 'number' || !Number.isFinite(marginMs) || marginMs < 0)
      throw new VkwireConfigError('MemoryRateLimiter', 'marginMs', 'a number of milliseconds ≥ 0', {
        got: marginMs,
      });
    this.marginMs = marginMs;
  }

  acquire(slot: RateLimitSlot, signal?: AbortSignal): Promise<RateLimitGrant> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const state = this.state(slot.key);
    state.slot = slot;
    return new Promise<RateLimitGrant>((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          state.waiters = state.waiters.filter((candidate) => candidate !== waiter);
          // Nobody waits any more: a pending timer must not hold the process open.
          if (state.waiters.length === 0) this.sleep(state);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      state.waiters.push(waiter);
      this.drain(state);
    });
  }

  pause(key: string, ms: number): void {
    const state = this.state(key);
    state.pausedUntil = Math.max(state.pausedUntil, performance.now() + ms);
  }

  private drain(state: KeyState): void {
    const slot = state.slot;
    if (state.timer !== undefined || !slot) return;
    const spacing = slot.windowMs / slot.limit;
    for (;;) {
      const waiter = state.waiters[0];
      if (!waiter) return;
      const now = performance.now();
      const oldest =
        state.grants.length >= slot.limit ? state.grants[state.grants.length - slot.limit] : undefined;
      // The oldest request of the window is still in flight: wait for its answer (done() drains),
      // or for its lease to run out.
      if (oldest && oldest.done === undefined) {
        if (oldest.leaseEnds > now) {
          if (Number.isFinite(oldest.leaseEnds)) this.wake(state, oldest.leaseEnds - now);
          return;
        }
        oldest.done = oldest.leaseEnds;
      }
      const windowOpens = oldest?.done === undefined ? 0 : oldest.done + slot.windowMs + this.marginMs;
      const at = Math.max(state.nextPlanned, windowOpens, state.pausedUntil);
      if (at > now) {
        this.wake(state, at - now);
        return;
      }
      state.waiters.shift();
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      const grant: Grant = { done: undefined, leaseEnds: now + (slot.leaseMs ?? Number.POSITIVE_INFINITY) };
      state.grants.push(grant);
      if (state.grants.length > slot.limit) state.grants.splice(0, state.grants.length - slot.limit);
      // The plan follows planned times, so a timer firing a little late does not lower the rate;
      // but it never lags now by more than a few milliseconds, so an idle spell earns no burst.
      state.nextPlanned = Math.max(at, now - Math.min(spacing / 2, LATENESS_TOLERANCE_MS)) + spacing;
      waiter.resolve({
        done: () => {
          if (grant.done !== undefined) return;
          grant.done = performance.now();
          // A timer may be waiting for this grant's lease: the answer came first.
          this.sleep(state);
          this.drain(state);
        },
      });
    }
  }

  private sleep(state: KeyState): void {
    if (state.timer === undefined) return;
    clearTimeout(state.timer);
    state.timer = undefined;
  }

  private wake(state: KeyState, inMs: number): void {
    state.timer = setTimeout(() => {
      state.timer = undefined;
      this.drain(state);
    }, Math.ceil(inMs));
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { grants: [], nextPlanned: 0, pausedUntil: 0, waiters: [], timer: undefined, slot: undefined };
      this.keys.set(key, state);
    }
    return state;
  }
}
