/** Which requests share a limit, and the limit. */
export interface RateLimitSlot {
  /** Identifies the token (a fingerprint, never the token itself: shared stores see keys). */
  key: string;
  /** Requests allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/**
 * Decides when a request may go. `acquire` resolves when one request for the slot may be sent
 * now. Implementations: `MemoryRateLimiter` (one process); redis-bridge ships one shared by every
 * process using the token.
 */
export interface RateLimiter {
  /** Resolves when a request may be sent; rejects with `signal.reason` when aborted first. */
  acquire(slot: RateLimitSlot, signal?: AbortSignal): Promise<void>;
  /** Holds every request of the key for `ms` (after VK answered error 6). Optional. */
  pause?(key: string, ms: number): void;
}

/** Options of `MemoryRateLimiter`. */
export interface MemoryRateLimiterOptions {
  /**
   * Extra milliseconds added to each window, so that the server, which sees arrival times, never
   * counts more than `limit` requests in its own window. @default 10
   */
  marginMs?: number;
}

interface KeyState {
  /** Earliest time the next request may go (performance.now() clock). */
  nextAt: number;
  /** Time until which the key is paused. */
  pausedUntil: number;
  /** Waiters in order. */
  waiters: Array<{
    resolve: () => void;
    reject: (reason: unknown) => void;
    signal: AbortSignal | undefined;
    onAbort: () => void;
  }>;
  timer: NodeJS.Timeout | undefined;
}

/**
 * An in-process limiter that spaces requests evenly: one every `(windowMs + margin) / limit`
 * milliseconds, so no window of `windowMs` ever holds more than `limit` requests, and bursts
 * never pile up at a window's start.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly marginMs: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.marginMs = options.marginMs ?? 10;
  }

  acquire(slot: RateLimitSlot, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const state = this.state(slot.key);
    return new Promise<void>((resolve, reject) => {
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
      this.drain(slot, state);
    });
  }

  pause(key: string, ms: number): void {
    const state = this.state(key);
    state.pausedUntil = Math.max(state.pausedUntil, performance.now() + ms);
  }

  private drain(slot: RateLimitSlot, state: KeyState): void {
    if (state.timer !== undefined) return;
    const spacing = (slot.windowMs + this.marginMs) / slot.limit;
    for (;;) {
      const waiter = state.waiters[0];
      if (!waiter) return;
      const now = performance.now();
      const at = Math.max(state.nextAt, state.pausedUntil);
      if (at > now) {
        state.timer = setTimeout(
          () => {
            state.timer = undefined;
            this.drain(slot, state);
          },
          Math.ceil(at - now),
        );
        return;
      }
      state.waiters.shift();
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      // Spacing counts from the moment a slot is granted, so a late timer never lets two
      // requests go closer together than the spacing.
      state.nextAt = now + spacing;
      waiter.resolve();
    }
  }

  private state(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { nextAt: 0, pausedUntil: 0, waiters: [], timer: undefined };
      this.keys.set(key, state);
    }
    return state;
  }
}
