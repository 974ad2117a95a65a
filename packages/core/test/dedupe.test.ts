import { describe, expect, it } from 'vitest';
import { type DedupeStore, isScopedDedupeStore, MemoryDedupeStore } from '../src/index.ts';

function claimed(store: MemoryDedupeStore, key: string): string {
  const claim = store.claim(key, 10_000);
  if (claim.state !== 'claimed') throw new Error(`expected a claim of ${key}, got ${claim.state}`);
  return claim.owner;
}

describe('MemoryDedupeStore in two parts (scope, id)', () => {
  it('addresses the same entry as the joined key, whichever form wrote it', () => {
    const store = new MemoryDedupeStore();
    const owner = claimed(store, '218734561:ev1');
    expect(store.claimIn(218734561, 'ev1', 10_000)).toEqual({ state: 'in_progress' });
    expect(store.completeIn(218734561, 'ev1', owner, 60_000)).toBe(true);
    expect(store.claim('218734561:ev1', 10_000)).toEqual({ state: 'done' });

    const scoped = store.claimIn(218734561, 'ev2', 10_000);
    if (scoped.state !== 'claimed') throw new Error('expected a claim');
    expect(store.claim('218734561:ev2', 10_000)).toEqual({ state: 'in_progress' });
    expect(store.release('218734561:ev2', scoped.owner)).toBe(true);
    expect(store.claimIn(218734561, 'ev2', 10_000).state).toBe('claimed');
  });

  it('keeps communities apart: the same event id in two scopes is two entries', () => {
    const store = new MemoryDedupeStore();
    const owner = claimed(store, '1:ev');
    store.complete('1:ev', owner, 60_000);
    expect(store.claimIn(2, 'ev', 10_000).state).toBe('claimed');
    expect(store.claimIn(1, 'ev', 10_000)).toEqual({ state: 'done' });
  });

  it('keeps keys without a canonical integer prefix whole, apart from the scoped ones', () => {
    const store = new MemoryDedupeStore();
    for (const key of ['ev', '01:ev', 'a:ev', '-0:ev', ':ev', '1.5:ev']) {
      store.complete(key, claimed(store, key), 60_000);
      expect(store.claim(key, 10_000)).toEqual({ state: 'done' });
    }
    // None of them is `1:ev`, `0:ev` or `ev` in a scope.
    expect(store.claimIn(1, 'ev', 10_000).state).toBe('claimed');
    expect(store.claimIn(0, 'ev', 10_000).state).toBe('claimed');
    expect(store.claim('-1:ev', 10_000).state).toBe('claimed');
    expect(store.claimIn(-1, 'ev', 10_000)).toEqual({ state: 'in_progress' });
  });

  it('refuses a scope that is not a safe integer (its joined key would be another entry)', () => {
    const store = new MemoryDedupeStore();
    expect(() => store.claimIn(1.5, 'ev', 10_000)).toThrow(TypeError);
    expect(() => store.completeIn(Number.NaN, 'ev', 'owner', 10_000)).toThrow(TypeError);
    expect(store.releaseIn(1.5, 'ev', 'owner')).toBe(false);
  });

  it('forgets the oldest keys over all scopes together: at most maxEntries done marks', () => {
    const store = new MemoryDedupeStore({ maxEntries: 4 });
    const done = (scope: number, id: string) => {
      const claim = store.claimIn(scope, id, 10_000);
      if (claim.state !== 'claimed') throw new Error(`expected a claim of ${scope}:${id}`);
      store.completeIn(scope, id, claim.owner, 60_000);
    };
    for (let index = 0; index < 10; index += 1) done(index % 3, `ev${index}`);
    expect(store.size).toBeLessThanOrEqual(4);
    // The newest two are remembered whatever their scope; the first ones are forgotten.
    expect(store.claimIn(9 % 3, 'ev9', 10_000)).toEqual({ state: 'done' });
    expect(store.claimIn(8 % 3, 'ev8', 10_000)).toEqual({ state: 'done' });
    expect(store.claimIn(0, 'ev0', 10_000).state).toBe('claimed');
  });

  it('lets a lapsed claim be taken and the stale owner lose it, in the scoped form too', async () => {
    const store = new MemoryDedupeStore();
    const stale = store.claimIn(5, 'ev', 20);
    if (stale.state !== 'claimed') throw new Error('expected a claim');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const fresh = store.claimIn(5, 'ev', 10_000);
    if (fresh.state !== 'claimed') throw new Error('a lapsed claim must be claimable');
    expect(store.releaseIn(5, 'ev', stale.owner)).toBe(false);
    expect(store.completeIn(5, 'ev', stale.owner, 60_000)).toBe(false);
    expect(store.claim('5:ev', 10_000)).toEqual({ state: 'done' });
  });

  it('is told apart from a store that takes joined keys only', () => {
    const plain: DedupeStore = {
      claim: () => ({ state: 'done' }),
      complete: () => true,
      release: () => true,
    };
    expect(isScopedDedupeStore(new MemoryDedupeStore())).toBe(true);
    expect(isScopedDedupeStore(plain)).toBe(false);
  });
});
