// A private server of its own with AOF (persistence 'aof-always'): what it acknowledged survives a
// stop and start. Its own server, so it races with nobody.
import { expect, test } from 'vitest';
import {
  destroyManagedRedis,
  launchManagedRedis,
  sendRedisCommand,
  startRedisServer,
  stopRedisServer,
} from '../src/index.js';

test("with persistence 'aof-always', acknowledged writes survive a restart", async () => {
  const server = await launchManagedRedis({ persistence: 'aof-always' });
  try {
    const redis = (...args: string[]) => sendRedisCommand(server.url, args);
    expect(await redis('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await redis('CONFIG', 'GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
    await redis('SET', 'survives', 'yes');
    await redis('XADD', 'stream', '*', 'field', 'value');

    await stopRedisServer(server);
    await startRedisServer(server);

    expect(await redis('GET', 'survives')).toBe('yes');
    expect(await redis('XLEN', 'stream')).toBe(1);
  } finally {
    await destroyManagedRedis(server);
  }
});
