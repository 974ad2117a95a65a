// The bus consumer: consumer groups over the partition streams, leases, dead letters
export { BusConsumer, type BusDelivery, createConsumer } from './consumer.js';
export {
  consumerPartitions,
  DEFAULT_CONSUMER_PARTITIONS,
} from './consumer-meta.js';
export type { BusContext, BusHandler, ConsumerOptions } from './consumer-options.js';
export type { DeadLetter, DeadLetterReason } from './dead-letter.js';
export { membersKey, partitionFenceKey, partitionLeaseKey } from './partition-lease.js';
