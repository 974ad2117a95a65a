import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({ globalSetup: ['./src/redis-global-setup.ts'] });
