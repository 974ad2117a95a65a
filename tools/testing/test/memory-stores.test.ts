import { MemoryCheckpointStore, MemoryDedupeStore, MemoryKeyValueStore, MemoryLease } from '@vkwire/core';
import {
  describeCheckpointStoreContract,
  describeDedupeStoreContract,
  describeKeyValueStoreContract,
  describeLeaseContract,
} from '../src/contracts/index.ts';

describeDedupeStoreContract('MemoryDedupeStore', () => new MemoryDedupeStore());
describeCheckpointStoreContract('MemoryCheckpointStore', () => new MemoryCheckpointStore());
describeKeyValueStoreContract('MemoryKeyValueStore', () => new MemoryKeyValueStore());
describeLeaseContract('MemoryLease', () => new MemoryLease());
