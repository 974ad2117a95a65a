import { randomUUID } from 'node:crypto';
import { redisUrl } from '@vkwire/testing';
import {
  describeCheckpointStoreContract,
  describeDedupeStoreContract,
  describeKeyValueStoreContract,
  describeLeaseContract,
} from '@vkwire/testing/contracts';
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
