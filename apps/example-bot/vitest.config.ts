import { packageTestConfig } from '../../vitest.shared.ts';

// The entry point's tests start node with tsx (several seconds on a busy machine).
export default packageTestConfig({ testTimeout: 60_000 });
