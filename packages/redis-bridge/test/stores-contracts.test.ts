import { randomUUID } from 'node:crypto';
import { redisUrl } from '@vkwire/testing';
import {
  describeCheckpointStoreContract,
  describeDedupeStoreContract,
  describeKeyValueStoreContract,
  describeLeaseContract,
} from '@vkwire/testing/contracts';
import { describe, expect, test } from 'vitest';
import { RedisCheckpointStore, RedisDedupeStore, RedisLease, RedisStorage } from '../src/stores/index.js';

// Each test gets a fresh prefix, so stores start empty without flushing the shared server.
const fresh = () => ({ redis: redisUrl(), prefix: `test:${randomUUID()}:` });

describeDedupeStoreContract('RedisDedupeStore', () => {
  const store = new RedisDedupeStore(fresh());
  return { store, cleanup: () => store.close() };
});
describeCheckpointStoreContract('RedisCheckpointStore', () => {
  const store = new RedisCheckpointStore(fresh());
  return { store, cleanup: () => store.close() };
});
describeKeyValueStoreContract('RedisStorage', () => {
  const store = new RedisStorage(fresh());
  return { store, cleanup: () => store.close() };
});
describeLeaseContract('RedisLease', () => {
  const store = new RedisLease(fresh());
  return { store, cleanup: () => store.close() };
});

describe('RedisLease.acquireOrWait', () => {
  test('a loser learns how long the holder has left; once it ran out, the loser gets the lease', async () => {
    const lease = new RedisLease(fresh());
    try {
      const first = await lease.acquireOrWait('k', 400);
      expect('fence' in first).toBe(true);
      const second = await lease.acquireOrWait('k', 400);
      if (!('heldForMs' in second)) throw new Error('a held lease was granted twice');
      expect(second.heldForMs).toBeGreaterThan(0);
      expect(second.heldForMs).toBeLessThanOrEqual(400);
      expect(await lease.acquire('k', 400)).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, second.heldForMs + 20));
      const third = await lease.acquireOrWait('k', 400);
      if (!('fence' in third) || !('fence' in first)) throw new Error('the lapsed lease was not granted');
      expect(third.fence).toBeGreaterThan(first.fence);
    } finally {
      await lease.close();
    }
  });
});
