import { ErrorReply } from 'redis';
import { VkwireBusError } from './errors.js';

/** Redis error replies that mean "not now" (a restart loading its AOF, a failover), not "never". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;

/**
 * Whether a failed command may be sent again: a lost connection, a closed socket, a server still
 * loading. An error reply about the command itself (WRONGTYPE, OOM, a script error) is final, and
 * so are the bus's own errors (a partition mismatch).
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof VkwireBusError) return false;
  if (error instanceof ErrorReply) return TRANSIENT_REPLY.test(error.message);
  return true;
}

/** The pause before retry `attempt` (1-based): none first, since node-redis queues the command until it reconnects, then growing to 1 s. */
export function retryDelayMs(attempt: number): number {
  return attempt <= 1 ? 0 : Math.min(1_000, 25 * 2 ** (attempt - 2));
}

/** A FIFO counting semaphore: at most `limit` holders. */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  /** @param limit how many may hold a slot at once */
  constructor(limit: number) {
    this.#free = limit;
  }

  /** Takes a slot now if one is free (and nobody waits). */
  tryAcquire(): boolean {
    if (this.#free > 0 && this.#waiting.length === 0) {
      this.#free--;
      return true;
    }
    return false;
  }

  /** Resolves once a slot is taken. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Gives a slot back (to the longest waiter, if any). */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
