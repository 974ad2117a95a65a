import { type Lease, sleep } from '@vkwire/core';
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
 * A key held through {@link KeyLock.enter}, to give back to {@link KeyLock.leave}: undefined
 * without a lease (nothing to give back but the turn), else the lease's token and its renewal.
 */
export type KeyTurn = LeaseHold | undefined;

/** A lease taken for one turn: its token and the timer that renews it. */
interface LeaseHold {
  readonly leaseKey: string;
  readonly token: string;
  timer: NodeJS.Timeout | undefined;
  /** Removes the listener that stops the renewal when the work's signal aborts. */
  unlisten: (() => void) | undefined;
}

/**
 * Runs work one at a time per key: in this process through a queue per key, across processes
 * through a {@link Lease} (taken after this process's turn came, renewed while the work runs, given
 * up after it). A held lease is retried with a growing pause until `waitMs`, then the work fails
 * with a `StateError` (`lock_timeout`).
 *
 * @example
 * const lock = new KeyLock();
 * await Promise.all([lock.run('a', first), lock.run('a', second)]); // second starts after first
 */
export class KeyLock {
  /** Keys held in this process: the works waiting for each, in order (null: none waits). */
  private readonly held = new Map<string, Array<() => void> | null>();
  private readonly leaseMs: number;
  private readonly waitMs: number;

  constructor(private readonly options: KeyLockOptions = {}) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.waitMs = options.waitMs ?? 10_000;
  }

  /** Runs `work` once every earlier work of `key` is done (and the lease is held). */
  async run<T>(key: string, work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let turn = this.enter(key, signal);
    if (turn instanceof Promise) turn = await turn;
    try {
      return await work();
    } finally {
      const left = this.leave(key, turn);
      if (left !== undefined) await left;
    }
  }

  /**
   * Takes `key` once every earlier turn of it has left: at once, without a promise, when it is
   * free and there is no lease (the common case costs no turn of the microtask queue). Every turn
   * taken must be given back with {@link leave}; a rejected one (lease timeout, abort) was not taken.
   */
  enter(key: string, signal?: AbortSignal): KeyTurn | Promise<KeyTurn> {
    const queue = this.held.get(key);
    let turn: Promise<void> | undefined;
    if (queue === undefined) this.held.set(key, null);
    else
      turn = new Promise<void>((resolve) => {
        if (queue === null) this.held.set(key, [resolve]);
        else queue.push(resolve);
      });
    const lease = this.options.lease;
    // Resolved without a value: the turn of a lock without a lease.
    if (lease === undefined) return turn as Promise<undefined> | undefined;
    const leased = async (): Promise<KeyTurn> => {
      if (turn !== undefined) await turn;
      try {
        return await this.acquire(lease, `lock:${key}`, signal);
      } catch (error) {
        this.next(key);
        throw error;
      }
    };
    return leased();
  }

  /** Gives back a turn {@link enter} took: the next waiting work of the key starts (after the lease is released). */
  leave(key: string, turn: KeyTurn): Promise<void> | undefined {
    if (turn === undefined) {
      this.next(key);
      return undefined;
    }
    this.stopRenewing(turn);
    const lease = this.options.lease as Lease;
    return Promise.resolve(lease.release(turn.leaseKey, turn.token))
      .catch(() => false)
      .then(() => this.next(key));
  }

  /** Passes `key` to the next waiting work, or frees it. */
  private next(key: string): void {
    const queue = this.held.get(key);
    const first = queue?.shift();
    if (first === undefined) this.held.delete(key);
    else first();
  }

  private async acquire(lease: Lease, leaseKey: string, signal: AbortSignal | undefined): Promise<LeaseHold> {
    const deadline = Date.now() + this.waitMs;
    let pause = 5;
    for (;;) {
      const grant = await lease.acquire(leaseKey, this.leaseMs);
      if (grant !== null) {
        const hold: LeaseHold = { leaseKey, token: grant.token, timer: undefined, unlisten: undefined };
        this.renew(lease, hold);
        // Work abandoned (the bot stopped without waiting for it) holds the lease no longer: it is
        // not renewed any more and lapses, whether or not the work ever ends.
        if (signal !== undefined) {
          const stop = (): void => this.stopRenewing(hold);
          signal.addEventListener('abort', stop, { once: true });
          hold.unlisten = () => signal.removeEventListener('abort', stop);
        }
        return hold;
      }
      if (signal?.aborted) throw signal.reason;
      if (Date.now() + pause > deadline)
        throw new StateError(
          'lock_timeout',
          `state "${leaseKey.slice(5)}" stayed locked by another worker for ${this.waitMs} ms (raise waitMs, or look for a handler that hangs)`,
          leaseKey.slice(5),
        );
      await sleep(pause, signal);
      if (signal?.aborted) throw signal.reason;
      pause = Math.min(pause * 2, 200);
    }
  }

  /** Stops renewing `hold`'s lease (a renewal in flight schedules no next one). */
  private stopRenewing(hold: LeaseHold): void {
    clearTimeout(hold.timer);
    hold.timer = undefined;
    hold.unlisten?.();
    hold.unlisten = undefined;
  }

  /**
   * Renews the lease every third of its time until {@link leave}, or until a renewal finds it lost.
   * A renewal that throws (the store out of reach for a while) is tried again every tenth of the
   * time: the lease is still ours until it runs out, and the store may be back before that.
   */
  private renew(lease: Lease, hold: LeaseHold, delay = Math.max(1, Math.floor(this.leaseMs / 3))): void {
    hold.timer = setTimeout(() => {
      Promise.resolve(lease.renew(hold.leaseKey, hold.token, this.leaseMs)).then(
        (held) => {
          if (held && hold.timer !== undefined) this.renew(lease, hold);
        },
        () => {
          if (hold.timer !== undefined) this.renew(lease, hold, Math.max(1, Math.floor(this.leaseMs / 10)));
        },
      );
    }, delay);
  }
}
