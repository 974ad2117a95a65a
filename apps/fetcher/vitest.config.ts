import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({
  globalSetup: ['../../tools/testing/src/redis-global-setup-aof.ts'],
  testTimeout: 60_000,
});
