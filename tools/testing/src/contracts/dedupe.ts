import type { DedupeStore } from '@vkwire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { make, type StoreFactory, waitPast } from './factory.js';

/** The DedupeStore contract: claims with owners and leases, done marks with a TTL. */
export function describeDedupeStoreContract(name: string, factory: StoreFactory<DedupeStore>): void {
  describe(`${name} keeps the DedupeStore contract`, () => {
    let cleanup: (() => unknown) | undefined;
    const store = async (): Promise<DedupeStore> => {
      const made = await make(factory);
      cleanup = made.cleanup;
      return made.store;
    };
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('gives a key to one claimant at a time, with an owner token', async () => {
      const dedupe = await store();
      const first = await dedupe.claim('k', 10_000);
      expect(first.state).toBe('claimed');
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'in_progress' });
      const other = await dedupe.claim('other', 10_000);
      expect(other.state).toBe('claimed');
      if (first.state === 'claimed' && other.state === 'claimed') expect(first.owner).not.toBe(other.owner);
    });

    it('answers done after complete, until the ttl passes', async () => {
      const dedupe = await store();
      const claim = await dedupe.claim('k', 10_000);
      if (claim.state !== 'claimed') throw new Error('expected a claim');
      expect(await dedupe.complete('k', claim.owner, 1000)).toBe(true);
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'done' });
      await waitPast(2000);
      expect((await dedupe.claim('k', 10_000)).state).toBe('claimed');
    });

    it('lets the next redelivery claim a released key', async () => {
      const dedupe = await store();
      const claim = await dedupe.claim('k', 10_000);
      if (claim.state !== 'claimed') throw new Error('expected a claim');
      expect(await dedupe.release('k', claim.owner)).toBe(true);
      expect((await dedupe.claim('k', 10_000)).state).toBe('claimed');
    });

    it('lets a lapsed claim be taken, and the stale owner cannot release the new one', async () => {
      const dedupe = await store();
      const stale = await dedupe.claim('k', 50);
      if (stale.state !== 'claimed') throw new Error('expected a claim');
      await waitPast(50);
      const fresh = await dedupe.claim('k', 10_000);
      if (fresh.state !== 'claimed') throw new Error('a lapsed claim must be claimable');
      // The stalled process fails and releases: the other process's claim must survive.
      expect(await dedupe.release('k', stale.owner)).toBe(false);
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'in_progress' });
      expect(await dedupe.release('k', fresh.owner)).toBe(true);
    });

    it('marks a key done even when the claim lapsed, and says the claim was lost', async () => {
      const dedupe = await store();
      const stale = await dedupe.claim('k', 50);
      if (stale.state !== 'claimed') throw new Error('expected a claim');
      await waitPast(50);
      const fresh = await dedupe.claim('k', 10_000);
      expect(fresh.state).toBe('claimed');
      expect(await dedupe.complete('k', stale.owner, 10_000)).toBe(false);
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'done' });
    });

    it('says the claim was lost when another owner took the lapsed claim and completed it first', async () => {
      const dedupe = await store();
      const stale = await dedupe.claim('k', 50);
      if (stale.state !== 'claimed') throw new Error('expected a claim');
      await waitPast(50);
      const fresh = await dedupe.claim('k', 10_000);
      if (fresh.state !== 'claimed') throw new Error('expected a second claim');
      expect(await dedupe.complete('k', fresh.owner, 10_000)).toBe(true);
      expect(await dedupe.complete('k', stale.owner, 10_000)).toBe(false);
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'done' });
    });

    it('completes a lapsed claim nobody else took', async () => {
      const dedupe = await store();
      const claim = await dedupe.claim('k', 50);
      if (claim.state !== 'claimed') throw new Error('expected a claim');
      await waitPast(50);
      expect(await dedupe.complete('k', claim.owner, 10_000)).toBe(true);
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'done' });
    });

    it('ignores a release by an owner that never held the key', async () => {
      const dedupe = await store();
      const claim = await dedupe.claim('k', 10_000);
      expect(await dedupe.release('k', 'somebody-else')).toBe(false);
      expect(claim.state).toBe('claimed');
      expect(await dedupe.claim('k', 10_000)).toEqual({ state: 'in_progress' });
    });
  });
}
