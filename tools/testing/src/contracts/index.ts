/**
 * Contract test suites for the stores of @vkwire/core: run one against any implementation (the
 * memory ones here, the Redis ones in redis-bridge) to prove it keeps the contract.
 *
 * @example
 * import { describeDedupeStoreContract } from '@vkwire/testing/contracts';
 * describeDedupeStoreContract('RedisDedupeStore', () => new RedisDedupeStore({ client, prefix: randomPrefix() }));
 */
export { describeCheckpointStoreContract } from './checkpoint.js';
export { describeDedupeStoreContract } from './dedupe.js';
export { type StoreFactory, waitPast } from './factory.js';
export { describeKeyValueStoreContract } from './key-value.js';
export { describeLeaseContract } from './lease.js';
