/** Where a fault applies (`longPoll` is Bots Long Poll, `userLongPoll` the User Long Poll). */
export type FaultTarget = 'api' | 'longPoll' | 'userLongPoll' | 'upload';

/** What a fault does to a request. */
export type FaultAction =
  /**
   * Answer an API call with this VK error code (6 storms, 10, ...); `details` are extra keys of
   * the error object (for example `redirect_uri` for the current captcha form). API only.
   */
  | { kind: 'error'; code: number; details?: Record<string, unknown> }
  /** Answer a long poll request with `{"failed": N}` (`failed: 1` carries the client's ts). */
  | { kind: 'failed'; code: 1 | 2 | 3 }
  /** Answer with this HTTP status and a non-JSON body, as a proxy in front of VK does. */
  | { kind: 'status'; status: number }
  /** Destroy the connection without an answer. */
  | { kind: 'drop' }
  /** Answer normally, but only after this many milliseconds. */
  | { kind: 'delay'; ms: number }
  /** Answer a non-JSON HTML page with status 200 (what upload servers and proxies do). */
  | { kind: 'html' }
  /** Never answer: the request is held until the client gives up (or the sandbox closes). */
  | { kind: 'hang' }
  /** API only: run the call, then destroy the connection, as when VK did the work but the answer got lost. */
  | { kind: 'loseAnswer' };

/** When and how often a fault fires. */
export interface FaultOptions {
  /** How many requests it hits, then it is spent. @default 1 (Infinity when `durationMs` is set) */
  times?: number;
  /** It stays active this long from now. */
  durationMs?: number;
  /** Each matching request is hit with this probability. @default 1 */
  probability?: number;
  /** API only: hit only this method (for example `messages.send`). */
  method?: string;
  /**
   * API only: hit the calls an `execute` makes (of `method`, when given) instead of HTTP requests.
   * Only `error` faults apply there, as VK reports an inner failure: the call yields `false` and
   * its code and message go to `execute_errors` (no extra keys: VK sends none there).
   * @default false
   */
  inExecute?: boolean;
}

interface FaultRule {
  target: FaultTarget;
  action: FaultAction;
  remaining: number;
  until: number;
  probability: number;
  method: string | undefined;
  inExecute: boolean;
}

/** A handle to remove one injected fault before it is spent. */
export interface FaultHandle {
  /** Removes the fault. */
  clear(): void;
}

/** Fault switches of a sandbox, changeable while it runs. */
export class Faults {
  private rules: FaultRule[] = [];

  /** Adds a fault; the first matching live fault hits each request. */
  inject(target: FaultTarget, action: FaultAction, options: FaultOptions = {}): FaultHandle {
    const rule: FaultRule = {
      target,
      action,
      remaining: options.times ?? (options.durationMs === undefined ? 1 : Number.POSITIVE_INFINITY),
      until: options.durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.durationMs,
      probability: options.probability ?? 1,
      method: options.method,
      inExecute: options.inExecute ?? false,
    };
    this.rules.push(rule);
    return { clear: () => this.remove(rule) };
  }

  /** Removes every fault. */
  clear(): void {
    this.rules = [];
  }

  /** How many faults are still live. */
  get active(): number {
    this.prune(Date.now());
    return this.rules.length;
  }

  /** The fault that hits this request (or, with `inExecute`, this call of an execute), if any (and counts it). */
  take(target: FaultTarget, method?: string, inExecute = false): FaultAction | undefined {
    if (this.rules.length === 0) return undefined;
    const now = Date.now();
    this.prune(now);
    for (const rule of this.rules) {
      if (rule.target !== target) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.inExecute !== inExecute) continue;
      if (rule.probability < 1 && Math.random() >= rule.probability) continue;
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.remove(rule);
      return rule.action;
    }
    return undefined;
  }

  private prune(now: number): void {
    this.rules = this.rules.filter((rule) => rule.remaining > 0 && rule.until > now);
  }

  private remove(rule: FaultRule): void {
    this.rules = this.rules.filter((candidate) => candidate !== rule);
  }
}
