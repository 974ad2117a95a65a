/** Which requests share a limit, and the limit. */
export interface RateLimitSlot {
  /** Identifies the token (a fingerprint, never the token itself: shared stores see keys). */
  key: string;
  /** Requests allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/** Permission for one request: call `done()` once its answer (or failure) has come back. */
export interface RateLimitGrant {
  done(): void;
}

/**
 * Decides when a request may go. `acquire` resolves when one request for the slot may be sent
 * now. Implementations: `MemoryRateLimiter` (one process); redis-bridge ships one shared by every
 * process using the token.
 */
export interface RateLimiter {
  /** Resolves when a request may be sent; rejects with `signal.reason` when aborted first. */
  acquire(slot: RateLimitSlot, signal?: AbortSignal): Promise<RateLimitGrant>;
  /** Holds every request of the key for `ms` (after VK answered error 6). Optional. */
  pause?(key: string, ms: number): void;
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
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly marginMs: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.marginMs = options.marginMs ?? 5;
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
      // The oldest request of the window is still in flight: wait for its answer (done() drains).
      if (oldest && oldest.done === undefined) return;
      const windowOpens = oldest?.done === undefined ? 0 : oldest.done + slot.windowMs + this.marginMs;
      const at = Math.max(state.nextPlanned, windowOpens, state.pausedUntil);
      if (at > now) {
        state.timer = setTimeout(
          () => {
            state.timer = undefined;
            this.drain(state);
          },
          Math.ceil(at - now),
        );
        return;
      }
      state.waiters.shift();
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      const grant: Grant = { done: undefined };
      state.grants.push(grant);
      if (state.grants.length > slot.limit) state.grants.splice(0, state.grants.length - slot.limit);
      // The plan follows planned times, so a timer firing a little late does not lower the rate;
      // but it never lags now by more than a few milliseconds, so an idle spell earns no burst.
      state.nextPlanned = Math.max(at, now - Math.min(spacing / 2, LATENESS_TOLERANCE_MS)) + spacing;
      waiter.resolve({
        done: () => {
          if (grant.done !== undefined) return;
          grant.done = performance.now();
          this.drain(state);
        },
      });
    }
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
