import type { CheckpointStore } from '@vkwire/core';
import { RedisSource, type RedisStoreOptions } from './redis-source.js';

/**
 * A {@link CheckpointStore} on Redis: the position of each stream in `<prefix>checkpoint:<stream>`,
 * so a poller restarted on any machine continues where the last one stopped.
 *
 * @example
 * const poll = new GroupLongPoll({
 *   api,
 *   checkpoint: { store: new RedisCheckpointStore({ redis: 'redis://127.0.0.1:6379' }), stream: 'group:218734561' },
 * });
 */
export class RedisCheckpointStore implements CheckpointStore {
  private readonly source: RedisSource;

  constructor(options: RedisStoreOptions) {
    this.source = new RedisSource('RedisCheckpointStore', options);
  }

  async load(stream: string): Promise<string | undefined> {
    const key = this.key(stream);
    const value = await this.source.run(key, ['GET', key]);
    return typeof value === 'string' ? value : undefined;
  }

  async save(stream: string, position: string): Promise<void> {
    const key = this.key(stream);
    await this.source.run(key, ['SET', key, position]);
  }

  /** Closes the connection if this store opened it (a client or handle you passed stays open). */
  close(): Promise<void> {
    return this.source.close();
  }

  private key(stream: string): string {
    return `${this.source.prefix}checkpoint:${stream}`;
  }
}
