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

    it('readJson: several keys at once, in order, as the JSON text of what was written', async () => {
      const kv = await store();
      if (kv.readJson === undefined) return;
      await kv.set('a', { step: 1 });
      await kv.set('c', [1, 'two']);
      const [a, b, c] = await kv.readJson(['a', 'b', 'c']);
      expect(b).toBeUndefined();
      expect(JSON.parse(a?.json ?? 'null')).toEqual({ step: 1 });
      expect(JSON.parse(c?.json ?? 'null')).toEqual([1, 'two']);
      expect(a?.version).toBe((await kv.get('a'))?.version);
    });

    it('writeJson: all or none; the answer names the key whose version moved', async () => {
      const kv = await store();
      if (kv.writeJson === undefined || kv.readJson === undefined) return;
      // One hash tag, so a Cluster takes both keys in one script as well.
      await kv.set('{u}:a', 1);
      const a = await kv.get('{u}:a');
      expect(
        await kv.writeJson([
          { key: '{u}:a', json: '2', ifVersion: a?.version },
          { key: '{u}:b', json: '"new"', ifVersion: 5 },
        ]),
      ).toBe('{u}:b');
      expect((await kv.get('{u}:a'))?.value).toBe(1);
      expect(await kv.get('{u}:b')).toBeUndefined();
      expect(
        await kv.writeJson([
          { key: '{u}:a', json: '2', ifVersion: a?.version },
          { key: '{u}:b', json: '"new"', ifVersion: 0, ttlMs: 60_000 },
        ]),
      ).toBeUndefined();
      const [after, b] = await kv.readJson(['{u}:a', '{u}:b']);
      expect(after?.json).toBe('2');
      expect(after?.version).toBeGreaterThan(a?.version ?? Number.POSITIVE_INFINITY);
      expect((await kv.get('{u}:b'))?.value).toBe('new');
      // A delete with a version; the stale version then writes nothing back.
      expect(await kv.writeJson([{ key: '{u}:b', json: undefined, ifVersion: b?.version }])).toBeUndefined();
      expect(await kv.get('{u}:b')).toBeUndefined();
      expect(await kv.writeJson([{ key: '{u}:b', json: '1', ifVersion: b?.version }])).toBe('{u}:b');
      expect(await kv.writeJson([{ key: '{u}:b', json: '1', ifVersion: 0 }])).toBeUndefined();
      expect((await kv.get('{u}:b'))?.version).toBeGreaterThan(b?.version ?? Number.POSITIVE_INFINITY);
    });

    it('writeJson: a ttl counts from the write', async () => {
      const kv = await store();
      if (kv.writeJson === undefined) return;
      expect(await kv.writeJson([{ key: 'a', json: '"soon gone"', ttlMs: 100 }])).toBeUndefined();
      expect((await kv.get('a'))?.value).toBe('soon gone');
      await waitPast(100);
      expect(await kv.get('a')).toBeUndefined();
    });
  });
}
