import type { MaybePromise } from './maybe.js';

/**
 * Where a poller keeps its position (a Long Poll `ts`), so a restart continues where the last
 * run's handled updates end instead of losing or repeating events. Both long poll clients take
 * it as `checkpoint: { store, stream }`; redis-bridge implements it on Redis.
 */
export interface CheckpointStore {
  /** The position saved for `stream`, or undefined when there is none. */
  load(stream: string): MaybePromise<string | undefined>;
  /** Saves the position of `stream` (called in order, one call at a time per stream). */
  save(stream: string, position: string): MaybePromise<void>;
}

/**
 * A {@link CheckpointStore} in this process's memory: survives a `stop()`/`start()` of a client,
 * not a restart of the process.
 *
 * @example
 * const checkpoints = new MemoryCheckpointStore();
 * const poll = new GroupLongPoll({ api, checkpoint: { store: checkpoints, stream: 'group:1' } });
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, string>();

  load(stream: string): string | undefined {
    return this.positions.get(stream);
  }

  save(stream: string, position: string): void {
    this.positions.set(stream, position);
  }
}
