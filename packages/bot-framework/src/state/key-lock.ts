import type { Lease } from '@vkwire/core';
import { StateError } from './errors.js';

/** Options of {@link KeyLock}. */
export interface KeyLockOptions {
  /** A lease shared by every worker (RedisLease), so workers take a key in turn as well. */
  lease?: Lease | undefined;
  /** How long a lease is taken for (renewed while held). @default 30000 */
  leaseMs?: number | undefined;
  /** How long to wait for a lease held elsewhere before giving up. @default 10000 */
  waitMs?: number | undefined;
}

/**
 * Runs work one at a time per key: in this process through a queue per key, across processes
 * through a {@link Lease} (taken after this process's turn came, renewed while the work runs, given
 * up after it). A held lease is retried with a growing pause until `waitMs`, then the work fails
 * with a `StateError` (`lock_timeout`).
 */
export class KeyLock {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(private readonly options: KeyLockOptions = {}) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.waitMs = options.waitMs ?? 10_000;
  }

  /** Runs `work` once every earlier work of `key` is done (and the lease is held). */
  run<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key);
    // Nobody ahead: start now, without waiting a turn of the microtask queue.
    const current =
      previous === undefined
        ? this.leased(key, work, signal)
        : previous.then(() => this.leased(key, work, signal));
    const done = (): void => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    const tail: Promise<void> = current.then(done, done);
    this.tails.set(key, tail);
    return current;
  }

  private leased<T>(key: string, work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const lease = this.options.lease;
    // Without a lease the work's own promise is the answer (no async wrapper around it).
    if (lease === undefined) {
      try {
        return work();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.withLease(lease, key, work, signal);
  }

  private async withLease<T>(
    lease: Lease,
    key: string,
    work: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const leaseKey = `lock:${key}`;
    const token = await this.acquire(lease, leaseKey, signal);
    let timer: NodeJS.Timeout | undefined;
    const renew = (): void => {
      timer = setTimeout(
        () => {
          Promise.resolve(lease.renew(leaseKey, token, this.leaseMs)).then(
            (held) => {
              if (held && timer !== undefined) renew();
            },
            () => undefined,
          );
        },
        Math.max(1, Math.floor(this.leaseMs / 3)),
      );
    };
    renew();
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      timer = undefined;
      await Promise.resolve(lease.release(leaseKey, token)).catch(() => false);
    }
  }

  private async acquire(lease: Lease, leaseKey: string, signal: AbortSignal | undefined): Promise<string> {
    const deadline = Date.now() + this.waitMs;
    let pause = 5;
    for (;;) {
      const grant = await lease.acquire(leaseKey, this.leaseMs);
      if (grant !== null) return grant.token;
      if (signal?.aborted) throw signal.reason;
      if (Date.now() + pause > deadline)
        throw new StateError(
          'lock_timeout',
          `state "${leaseKey.slice(5)}" stayed locked by another worker for ${this.waitMs} ms (raise waitMs, or look for a handler that hangs)`,
          leaseKey.slice(5),
        );
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 200);
    }
  }
}
