// Redis behind @vkwire/core's store contracts, and the option shape they share
export { RedisCheckpointStore } from './checkpoint.js';
export { RedisDedupeStore } from './dedupe.js';
export { RedisLease, type RedisLeaseOptions } from './lease.js';
export {
  isRedisHandle,
  RedisStoreClosedError,
  type RedisStoreOptions,
  RedisUnavailableError,
} from './redis-source.js';
export { RedisStorage, type RedisStorageOptions } from './storage.js';
