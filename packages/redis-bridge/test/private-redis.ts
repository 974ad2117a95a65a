import {
  destroyManagedRedis,
  launchManagedRedis,
  type ManagedRedisServer,
  startRedisServer,
} from '@vkwire/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * A redis-server of the calling test file's own (AOF, appendfsync always: what Redis acknowledged
 * survives a restart), so that stopping it disturbs no other file. Started before the file's tests,
 * started again after each one (a test that fails half-way leaves it up for the next), removed
 * after them. Call at the top of the file; read `server` inside tests.
 */
export function privateRedis(): { readonly server: ManagedRedisServer } {
  let server: ManagedRedisServer | undefined;
  beforeAll(async () => {
    server = await launchManagedRedis({ persistence: 'aof-always' });
  });
  afterAll(async () => {
    if (server) await destroyManagedRedis(server);
  });
  afterEach(async () => {
    if (server) await startRedisServer(server);
  });
  return {
    get server(): ManagedRedisServer {
      if (server === undefined) throw new Error('privateRedis: the server starts in beforeAll');
      return server;
    },
  };
}
