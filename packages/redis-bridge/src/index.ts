// The one connection factory: a URL, Cluster root nodes, or your own node-redis client
export {
  connectRedis,
  type RedisHandle,
  type RedisInput,
  type RedisReply,
  RedisScript,
} from './connection.js';
