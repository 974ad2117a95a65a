import { describe, expect, it } from 'vitest';
import { MemoryDedupeStore } from '../src/index.ts';

const TTL = 3_600_000;

/** Claims and completes `key`; true when it was handled now (not a redelivery). */
function handle(store: MemoryDedupeStore, key: string): boolean {
  const claim = store.claim(key, 60_000);
  if (claim.state !== 'claimed') return false;
  store.complete(key, claim.owner, TTL);
  return true;
}

describe('MemoryDedupeStore', () => {
  it('forgets the oldest handled key first once maxEntries are held', () => {
    const store = new MemoryDedupeStore({ maxEntries: 4 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) expect(handle(store, key)).toBe(true);
    expect(store.size).toBe(4);
    expect(store.claim('b', 1000).state).toBe('done');
    expect(store.claim('e', 1000).state).toBe('done');
    expect(handle(store, 'a')).toBe(true);
    expect(store.claim('b', 1000).state).toBe('claimed');
  });

  it('keeps every key while its table grows past its first size, and all of maxEntries after', () => {
    const store = new MemoryDedupeStore({ maxEntries: 5000 });
    const key = (n: number) => `218734561:${n.toString(16).padStart(40, '0')}`;
    for (let n = 0; n < 5000; n += 1) expect(handle(store, key(n))).toBe(true);
    for (let n = 0; n < 5000; n += 1) expect(store.claim(key(n), 1000).state).toBe('done');
    expect(store.size).toBe(5000);
    for (let n = 5000; n < 6000; n += 1) handle(store, key(n));
    expect(store.claim(key(999), 1000).state).toBe('claimed');
    expect(store.claim(key(1000), 1000).state).toBe('done');
  });

  it('tells apart long keys, keys beyond Latin-1 and keys that are prefixes of others', () => {
    const store = new MemoryDedupeStore({ maxEntries: 100 });
    const long = `1:${'x'.repeat(200)}`;
    const keys = [long, `${long}y`, '1:событие', '1:событиЕ', '1:ab', '1:a', '1:', ''];
    for (const key of keys) expect(handle(store, key)).toBe(true);
    for (const key of keys) expect(store.claim(key, 1000).state).toBe('done');
    expect(store.claim(`1:${'x'.repeat(199)}`, 1000).state).toBe('claimed');
    expect(store.claim('1:собыТие', 1000).state).toBe('claimed');
  });

  it('answers as a plain map with oldest-first forgetting would, over many random keys', () => {
    const maxEntries = 37;
    const store = new MemoryDedupeStore({ maxEntries });
    const done = new Set<string>();
    const order: string[] = [];
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let step = 0; step < 20_000; step += 1) {
      const key = `k${Math.floor(random() * 120)}`;
      const claim = store.claim(key, 60_000);
      expect(claim.state).toBe(done.has(key) ? 'done' : 'claimed');
      if (claim.state !== 'claimed') continue;
      if (random() < 0.2) {
        store.release(key, claim.owner);
        continue;
      }
      expect(store.complete(key, claim.owner, TTL)).toBe(true);
      done.add(key);
      order.push(key);
      if (order.length > maxEntries) done.delete(order.shift() as string);
    }
    expect(store.size).toBe(maxEntries);
  });
});
