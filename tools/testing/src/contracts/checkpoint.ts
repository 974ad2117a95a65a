import type { CheckpointStore } from '@vkwire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { make, type StoreFactory } from './factory.js';

/** The CheckpointStore contract: the last saved position per stream. */
export function describeCheckpointStoreContract(name: string, factory: StoreFactory<CheckpointStore>): void {
  describe(`${name} keeps the CheckpointStore contract`, () => {
    let cleanup: (() => unknown) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const store = async (): Promise<CheckpointStore> => {
      const made = await make(factory);
      cleanup = made.cleanup;
      return made.store;
    };

    it('loads nothing for a stream never saved', async () => {
      expect(await (await store()).load('group:1')).toBeUndefined();
    });

    it('loads the last position saved, per stream', async () => {
      const checkpoints = await store();
      await checkpoints.save('group:1', '10');
      await checkpoints.save('group:1', '12');
      await checkpoints.save('group:2', '7');
      expect(await checkpoints.load('group:1')).toBe('12');
      expect(await checkpoints.load('group:2')).toBe('7');
    });
  });
}
