// The VK API version vkwire speaks

export { type CheckpointStore, MemoryCheckpointStore } from './checkpoint.js';
export {
  type DedupeClaim,
  type DedupeStore,
  MemoryDedupeStore,
  type MemoryDedupeStoreOptions,
} from './dedupe.js';
// Errors: the one configuration error, and helpers for anything thrown
export { errorName, errorText, toError, VkwireConfigError } from './errors.js';
export {
  type JsonWrite,
  type KeyValueSetOptions,
  type KeyValueStore,
  MemoryKeyValueStore,
  type MemoryKeyValueStoreOptions,
  type StoredJson,
  type VersionedValue,
} from './key-value.js';
export { type Lease, type LeaseGrant, MemoryLease } from './lease.js';
// Lifecycle: stop() for what runs, close() for resources, how a run ended
export type { Closable, Finished, Stoppable, StopResult } from './lifecycle.js';
// Logging: the Logger contract, and the stderr fallback used when none is configured
export {
  createStderrLogger,
  defaultLogger,
  type Logger,
  type StderrLoggerOptions,
  silentLogger,
} from './logger.js';
// Stores: contracts and their in-memory versions (redis-bridge implements them on Redis)
export type { MaybePromise } from './maybe.js';
// Timing: a pause, and a wait on a call, that stop() can cut short
export { sleep, untilAborted } from './sleep.js';
// The update seam every transport delivers through
export type { UpdateContext, UpdateHandler, UpdateSource, UpdateTransport } from './update-source.js';
export { VK_API_VERSION } from './version.js';
