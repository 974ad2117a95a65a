import { randomUUID } from 'node:crypto';
import { featureKey } from '@vkwire/bot-framework';
import {
  describeDedupeStoreContract,
  describeKeyValueStoreContract,
  describeLeaseContract,
} from '@vkwire/testing/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRedis, type RedisHandle } from '../src/connection.js';
import { RedisRateLimiter } from '../src/limiter.js';
import { RedisDedupeStore, RedisLease, RedisStorage } from '../src/stores/index.js';
import { clusterUnavailable, startCluster, type TestCluster } from './cluster.js';
import { measureSharedRate } from './limiter-shared.js';

const unavailable = clusterUnavailable();
if (unavailable) console.warn(`skipping the Redis Cluster tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('on a 3-master Redis Cluster', () => {
  let cluster: TestCluster;
  let redis: RedisHandle;
  beforeAll(async () => {
    cluster = await startCluster();
    redis = await connectRedis({ cluster: cluster.urls }, 'cluster test');
  }, 20_000);
  afterAll(async () => {
    await redis?.close();
    await cluster?.stop();
  });

  // Stores share the test's one cluster connection (a handle passed in stays open).
  const fresh = () => ({ redis, prefix: `test:${randomUUID()}:` });
  describeDedupeStoreContract('RedisDedupeStore on a Cluster', () => new RedisDedupeStore(fresh()));
  describeKeyValueStoreContract('RedisStorage on a Cluster', () => new RedisStorage(fresh()));
  describeLeaseContract('RedisLease on a Cluster', () => new RedisLease(fresh()));

  test('keys of many dedupe claims spread over all three masters and every script still runs', async () => {
    const dedupe = new RedisDedupeStore(fresh());
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, index) => dedupe.claim(`ev${index}`, 10_000)),
    );
    expect(claims.every((claim) => claim.state === 'claimed')).toBe(true);
    const perNode = await Promise.all(
      cluster.urls.map(async (url) => {
        const node = await connectRedis(url, 'cluster test');
        const size = Number(await node.run(undefined, ['DBSIZE']));
        await node.close();
        return size;
      }),
    );
    expect(perNode.filter((size) => size > 0)).toHaveLength(3);
  });

  test('two limiters on one token never let more than the limit through in any 1 s of Redis time', async () => {
    const prefix = `test:${randomUUID()}:`;
    const limiters = [
      new RedisRateLimiter({ redis, prefix }),
      new RedisRateLimiter({ redis: { cluster: cluster.urls }, prefix }),
    ];
    try {
      // Arrivals are stamped by the clock of the master that holds the limiter's key.
      const result = await measureSharedRate(
        limiters,
        { cluster: cluster.urls },
        3000,
        `${prefix}limiter:shared`,
      );
      console.log('shared limiter (cluster):', JSON.stringify(result));
      expect(result.worstWindow).toBeLessThanOrEqual(20);
      expect(result.perSecond).toBeGreaterThanOrEqual(10); // liveness; the pace is the benchmark's
    } finally {
      for (const limiter of limiters) await limiter.close();
    }
  });
  test("the framework's keys of one user put an update's state in one slot: read and written in one script, all or none", async () => {
    const options = fresh();
    const storage = new RedisStorage(options);
    const bases = Array.from(
      { length: 30 },
      (_, index) => `218734561:uc:${2_000_000_001 + index}:${100 + index}`,
    );
    const slots = new Set<number>();
    for (const base of bases) {
      const keys = ['session', 'fsm', 'conversation'].map((prefix) => featureKey(base, prefix));
      const perKey = await Promise.all(
        keys.map(async (key) =>
          Number(await redis.run(undefined, ['CLUSTER', 'KEYSLOT', `${options.prefix}kv:${key}`])),
        ),
      );
      expect(new Set(perKey).size).toBe(1);
      slots.add(perKey[0] as number);
      expect(
        await storage.writeJson(keys.map((key, n) => ({ key, json: `{"n":${n}}`, ifVersion: 0 }))),
      ).toBeUndefined();
      expect((await storage.readJson(keys)).map((found) => found?.json)).toEqual([
        '{"n":0}',
        '{"n":1}',
        '{"n":2}',
      ]);
      // A stale version on the last key: none of the three is written (key by key, the first two would be).
      const refused = await storage.writeJson(
        keys.map((key) => ({ key, json: '{"n":9}', ifVersion: key === keys[2] ? 0 : 1 })),
      );
      expect(refused).toBe(keys[2]);
      expect((await storage.readJson(keys)).map((found) => found?.version)).toEqual([1, 1, 1]);
    }
    // Different users spread over the masters' slots.
    expect(slots.size).toBeGreaterThan(20);
    await storage.close();
  });
});
