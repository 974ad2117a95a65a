import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({
  globalSetup: ['../../tools/testing/src/redis-global-setup.ts'],
  testTimeout: 60_000,
});
