import type { Lease } from '@vkwire/core';
import { afterEach, describe, expect, it } from 'vitest';
import { make, type StoreFactory, waitPast } from './factory.js';

/** The Lease contract: one holder per key, renew and release by token, growing fences. */
export function describeLeaseContract(name: string, factory: StoreFactory<Lease>): void {
  describe(`${name} keeps the Lease contract`, () => {
    let cleanup: (() => unknown) | undefined;
    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });
    const store = async (): Promise<Lease> => {
      const made = await make(factory);
      cleanup = made.cleanup;
      return made.store;
    };

    it('has one holder at a time; release lets the next in with a greater fence', async () => {
      const lease = await store();
      const first = await lease.acquire('job', 10_000);
      if (!first) throw new Error('expected the lease');
      expect(await lease.acquire('job', 10_000)).toBeNull();
      expect(await lease.release('job', first.token)).toBe(true);
      const second = await lease.acquire('job', 10_000);
      expect(second?.fence).toBeGreaterThan(first.fence);
    });

    it('passes to another holder when the ttl runs out; the old token can neither renew nor release', async () => {
      const lease = await store();
      const dead = await lease.acquire('job', 50);
      if (!dead) throw new Error('expected the lease');
      await waitPast(50);
      const next = await lease.acquire('job', 10_000);
      if (!next) throw new Error('a lapsed lease must be acquirable');
      expect(next.fence).toBeGreaterThan(dead.fence);
      expect(await lease.renew('job', dead.token, 10_000)).toBe(false);
      expect(await lease.release('job', dead.token)).toBe(false);
      expect(await lease.acquire('job', 10_000)).toBeNull();
    });

    it('keeps a renewed lease past its first ttl', async () => {
      const lease = await store();
      // Renewed at once, so a slow machine cannot let the first ttl lapse before the renewal.
      const grant = await lease.acquire('job', 500);
      if (!grant) throw new Error('expected the lease');
      expect(await lease.renew('job', grant.token, 10_000)).toBe(true);
      await waitPast(500);
      expect(await lease.acquire('job', 1000)).toBeNull();
    });
  });
}
