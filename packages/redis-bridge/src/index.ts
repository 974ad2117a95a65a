// The one connection factory: a URL, Cluster root nodes, or your own node-redis client
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
