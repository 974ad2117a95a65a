/** Per-second request limits by token kind (VK: 20 for community tokens, 3 for user tokens). */
export interface RateLimitOptions {
  /** @default 20 */
  group?: number;
  /** @default 3 */
  user?: number;
  /** Window length in milliseconds. @default 1000 */
  windowMs?: number;
}

/** Counters of one token. */
export interface TokenRateStats {
  /** Requests the limit let through. */
  accepted: number;
  /** Requests answered with error 6. */
  rejected: number;
}

interface TokenWindow {
  /** Ring of the accept times of the last `limit` requests. */
  times: Float64Array;
  next: number;
  stats: TokenRateStats;
}

/**
 * VK's per-token requests-per-second limit as a sliding window: a request is refused with
 * error 6 when `limit` requests were already accepted in the last `windowMs`.
 */
export class RateLimiter {
  private readonly windows = new Map<string, TokenWindow>();
  private readonly windowMs: number;

  constructor(private readonly options: RateLimitOptions | false) {
    this.windowMs = options === false ? 1000 : (options.windowMs ?? 1000);
  }

  /** Whether a request with this token may run now; counts it either way. */
  admit(token: string, kind: 'group' | 'user'): boolean {
    const limit = this.limitFor(kind);
    const window = this.window(token, limit);
    if (limit === Number.POSITIVE_INFINITY) {
      window.stats.accepted += 1;
      return true;
    }
    const now = performance.now();
    const oldest = window.times[window.next] ?? 0;
    if (oldest !== 0 && now - oldest < this.windowMs) {
      window.stats.rejected += 1;
      return false;
    }
    window.times[window.next] = now;
    window.next = (window.next + 1) % window.times.length;
    window.stats.accepted += 1;
    return true;
  }

  /** Counters of a token (zeros for a token never seen). */
  stats(token: string): TokenRateStats {
    return { ...(this.windows.get(token)?.stats ?? { accepted: 0, rejected: 0 }) };
  }

  /** Total error-6 answers over every token. */
  totalRejected(): number {
    let total = 0;
    for (const window of this.windows.values()) total += window.stats.rejected;
    return total;
  }

  /** Forgets every window and counter. */
  reset(): void {
    this.windows.clear();
  }

  private limitFor(kind: 'group' | 'user'): number {
    if (this.options === false) return Number.POSITIVE_INFINITY;
    return kind === 'group' ? (this.options.group ?? 20) : (this.options.user ?? 3);
  }

  private window(token: string, limit: number): TokenWindow {
    let window = this.windows.get(token);
    if (!window) {
      const size = limit === Number.POSITIVE_INFINITY ? 1 : limit;
      window = { times: new Float64Array(size), next: 0, stats: { accepted: 0, rejected: 0 } };
      this.windows.set(token, window);
    }
    return window;
  }
}
