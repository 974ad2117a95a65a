import type { KeyValueStore } from '@vkwire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { make, type StoreFactory, waitPast } from './factory.js';

/** The KeyValueStore contract: JSON values, versions, compare-and-set, TTLs. */
export function describeKeyValueStoreContract(name: string, factory: StoreFactory<KeyValueStore>): void {
  describe(`${name} keeps the KeyValueStore contract`, () => {
    let cleanup: (() => unknown) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const store = async (): Promise<KeyValueStore> => {
      const made = await make(factory);
      cleanup = made.cleanup;
      return made.store;
    };

    it('reads what was written, with a version that grows on every write', async () => {
      const kv = await store();
      expect(await kv.get('a')).toBeUndefined();
      expect(await kv.set('a', { step: 1, tags: ['x'] })).toBe(true);
      const first = await kv.get('a');
      expect(first?.value).toEqual({ step: 1, tags: ['x'] });
      await kv.set('a', { step: 2 });
      const second = await kv.get('a');
      expect(second?.value).toEqual({ step: 2 });
      expect(second?.version).toBeGreaterThan(first?.version ?? Number.POSITIVE_INFINITY);
    });

    it('writes with ifVersion only when the version still matches; 0 means absent', async () => {
      const kv = await store();
      expect(await kv.set('a', 1, { ifVersion: 0 })).toBe(true);
      expect(await kv.set('a', 2, { ifVersion: 0 })).toBe(false);
      const entry = await kv.get('a');
      if (!entry) throw new Error('expected a value');
      expect(await kv.set('a', 3, { ifVersion: entry.version })).toBe(true);
      // A second writer that read the same version loses.
      expect(await kv.set('a', 4, { ifVersion: entry.version })).toBe(false);
      expect((await kv.get('a'))?.value).toBe(3);
    });

    it('hands out copies: changing a read or written object changes nothing stored', async () => {
      const kv = await store();
      const written = { list: [1] };
      await kv.set('a', written);
      written.list.push(2);
      const read = (await kv.get('a'))?.value as { list: number[] };
      read.list.push(3);
      expect((await kv.get('a'))?.value).toEqual({ list: [1] });
    });

    it('forgets a key after its ttl', async () => {
      const kv = await store();
      await kv.set('a', 'soon gone', { ttlMs: 100 });
      expect((await kv.get('a'))?.value).toBe('soon gone');
      await waitPast(100);
      expect(await kv.get('a')).toBeUndefined();
      expect(await kv.set('a', 'again', { ifVersion: 0 })).toBe(true);
    });

    it('deletes a key and says whether it existed; a stale version cannot write it back', async () => {
      const kv = await store();
      await kv.set('a', 1);
      const entry = await kv.get('a');
      expect(await kv.delete('a')).toBe(true);
      expect(await kv.delete('a')).toBe(false);
      expect(await kv.get('a')).toBeUndefined();
      expect(await kv.set('a', 2, { ifVersion: entry?.version ?? -1 })).toBe(false);
    });
  });
}
