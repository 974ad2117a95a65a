// The one connection factory: a URL, Cluster root nodes, or your own node-redis client

// The event bus: the consumer (consumer groups per partition, leased partitions, ordered per conversation, dead letters)
export * from './bus/consumer-index.js';
// The bus's key layout and partition function (what consumers in other languages follow)
export {
  type BusLayout,
  conversationOf,
  deadLetterKey,
  groupPrefix,
  metaKey,
  partitionKey,
  partitionOf,
  seenKey,
} from './bus/layout.js';
// The event bus: the publisher (partitioned by conversation, deduplicated by event_id), its errors and meta
export * from './bus/publisher-index.js';
export {
  connectRedis,
  type RedisHandle,
  type RedisInput,
  type RedisReply,
  RedisScript,
} from './connection.js';
// Redis behind the pluggable parts: api-client's rate limiter and core's stores
export { RedisRateLimiter, type RedisRateLimiterOptions } from './limiter.js';
export * from './stores/index.js';
