// The publisher of the bus and the bus's typed errors (the lead re-exports these from src/index.ts)
export {
  BusClosedError,
  type BusErrorCode,
  BusInvalidEventError,
  BusPartitionMismatchError,
  BusUnavailableError,
  type BusUnavailableReason,
  VkwireBusError,
} from './errors.js';
export { ensureBusPartitions, MAX_PARTITIONS, readBusPartitions } from './meta.js';
export { ENTRY_FIELDS } from './publish-script.js';
export {
  createPublisher,
  type PublishedEntry,
  type Publisher,
  type PublisherOptions,
  type PublishResult,
} from './publisher.js';
