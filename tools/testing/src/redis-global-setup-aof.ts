/**
 * vitest globalSetup like `redis-global-setup.ts`, but the private server runs with AOF and
 * `appendfsync always`: every write Redis acknowledged is on disk first, so it survives
 * `restartRedis()` (tests of "nothing acknowledged is lost" need that).
 *
 * ```ts
 * // vitest.config.ts
 * export default packageTestConfig({ globalSetup: ['../../tools/testing/src/redis-global-setup-aof.ts'] });
 * ```
 */
import { redisGlobalSetup } from './redis-global-setup.js';

export default redisGlobalSetup({ persistence: 'aof-always' });
