// The run's shared Redis server, as the globalSetup provides it. Every test that touches that
// server lives in this file: they stop and flush it, so they must not race with one another.
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, test } from 'vitest';
import {
  flushRedis,
  isPortAccepting,
  parseRedisUrl,
  RespConnection,
  redisAnswersPing,
  redisIsManaged,
  redisServer,
  redisUrl,
  restartRedis,
  sendRedisCommand,
  startRedis,
  stopRedis,
} from '../src/index.js';

const managed = redisIsManaged();

/** Sends one command to the run's server. */
function redis(...args: string[]) {
  return sendRedisCommand(redisUrl(), args);
}

describe('the Redis server of the run', () => {
  // A test that fails half-way must not leave the server stopped for the tests after it.
  afterEach(async () => {
    if (managed) await startRedis();
  });

  test('answers PING at the provided URL', async () => {
    expect(redisUrl()).toMatch(/^redis:\/\//);
    expect(await redis('PING')).toBe('PONG');
    expect(await redisAnswersPing()).toBe(true);
  });

  test.runIf(managed)('is private: loopback only, no persistence, its own directory', async () => {
    const server = redisServer();
    if (!server.managed) throw new Error('unreachable: the test runs only for a managed server');
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await redis('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect(await redis('CONFIG', 'GET', 'save')).toEqual(['save', '']);
    expect(await redis('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await redis('CONFIG', 'GET', 'dir')).toEqual(['dir', server.dir]);
  });

  test('flushRedis empties the server', async () => {
    await redis('SET', 'a', '1');
    await redis('SET', 'b', '2');
    expect(await redis('DBSIZE')).toBeGreaterThanOrEqual(2);

    await flushRedis();

    expect(await redis('DBSIZE')).toBe(0);
  });

  // Only on our server: an external one may have a single database (or be a cluster).
  test.runIf(managed)('flushRedis empties every database, not just the first', async () => {
    const other = { ...parseRedisUrl(redisUrl()), db: 1 };
    await sendRedisCommand(other, ['SET', 'c', '3']);

    await flushRedis();

    expect(await sendRedisCommand(other, ['DBSIZE'])).toBe(0);
  });

  test.runIf(managed)(
    'stop drops connections and refuses new ones; start brings it back on the same URL',
    async () => {
      const url = redisUrl();
      const { host, port } = parseRedisUrl(url);
      const open = await RespConnection.open({ host, port });

      await stopRedis();

      // The open connection learns of the outage by an event, as a real client would.
      await open.closed;
      await expect(open.command(['PING'])).rejects.toMatchObject({ name: 'RedisConnectionError' });
      await expect(redis('PING')).rejects.toMatchObject({ name: 'RedisConnectionError', reason: 'connect' });
      expect(await isPortAccepting(host, port)).toBe(false);
      expect(await redisAnswersPing()).toBe(false);

      await startRedis();

      expect(redisUrl()).toBe(url);
      expect(await redis('PING')).toBe('PONG');
    },
  );

  test.runIf(managed)('data written is gone after a restart, and nothing was saved to disk', async () => {
    await redis('SET', 'survives', 'no');
    await redis('XADD', 'stream', '*', 'field', 'value');

    await restartRedis();

    expect(await redis('GET', 'survives')).toBeNull();
    expect(await redis('EXISTS', 'stream')).toBe(0);
    const server = redisServer();
    if (server.managed)
      expect((await readdir(server.dir)).sort()).toEqual(['redis.conf', 'redis.log', 'redis.pid']);
  });

  test.runIf(managed)('restartRedis keeps the server down for downMs', async () => {
    const { host, port } = parseRedisUrl(redisUrl());
    const open = await RespConnection.open({ host, port });

    const restarted = restartRedis({ downMs: 500 });
    await open.closed;
    // The server has exited and the 500 ms outage has begun: new connections are refused.
    await expect(redis('PING')).rejects.toMatchObject({ reason: 'connect' });
    await restarted;

    expect(await redis('PING')).toBe('PONG');
  });

  test.runIf(managed)('stop and start are idempotent', async () => {
    await stopRedis();
    await stopRedis();
    expect(await redisAnswersPing()).toBe(false);
    await startRedis();
    await startRedis();
    expect(await redis('PING')).toBe('PONG');
  });

  test.runIf(!managed)('under REDIS_URL, stop, start and restart refuse with a clear error', async () => {
    await expect(stopRedis()).rejects.toThrow(/REDIS_URL=.*external server.*skipIf\(!redisIsManaged\(\)\)/);
    await expect(startRedis()).rejects.toThrow(/startRedis\(\) needs the private redis-server/);
    await expect(restartRedis()).rejects.toThrow(/restartRedis\(\) needs the private redis-server/);
    // Refusing must not have touched the server.
    expect(await redis('PING')).toBe('PONG');
  });
});
