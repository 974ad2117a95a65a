import { packageTestConfig } from '../../vitest.shared.ts';

// Redis for the REDIS_URL tests; the entry point's tests start node with tsx (seconds on a busy machine).
export default packageTestConfig({
  globalSetup: ['../../tools/testing/src/redis-global-setup.ts'],
  testTimeout: 60_000,
});
