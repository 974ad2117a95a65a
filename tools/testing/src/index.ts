/**
 * Test infrastructure shared by vkwire packages: the Redis server of a test run and helpers to
 * reach, flush, stop and restart it, plus the tiny RESP client they use; seeded random numbers
 * for fuzz tests.
 */

// Seeded random numbers for fuzz and mutation tests
export { seededRandom } from './random.js';
// Helpers for tests, backed by the globalSetup in ./redis-global-setup.ts
export {
  flushRedis,
  type RestartRedisOptions,
  redisAnswersPing,
  redisIsManaged,
  redisServer,
  redisUrl,
  restartRedis,
  startRedis,
  stopRedis,
} from './redis-control.js';
// A private redis-server outside the globalSetup (for a test file that needs its own)
export {
  destroyManagedRedis,
  type ExternalRedisServer,
  type LaunchManagedRedisOptions,
  launchManagedRedis,
  type ManagedRedisServer,
  REDIS_CONTEXT_KEY,
  type RedisPersistence,
  RedisServerNotFoundError,
  type RedisStartOptions,
  type RedisStopOptions,
  startRedisServer,
  stopRedisServer,
  type TestRedisServer,
} from './redis-server.js';
// What an object under test left alive after its stop() or close()
export { type LeftResource, type ResourceWatch, watchResources } from './resource-watch.js';
// The minimal RESP client
export {
  encodeCommand,
  isPortAccepting,
  parseRedisUrl,
  parseReply,
  pingRedis,
  RedisConnectionError,
  type RedisConnectionFailure,
  RedisReplyError,
  type RedisTarget,
  RespConnection,
  type RespTimeoutOptions,
  type RespValue,
  redactRedisUrl,
  sendRedisCommand,
  shutdownRedis,
} from './resp.js';
