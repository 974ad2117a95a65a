// The bus on a 3-master Redis Cluster started by this file (test/cluster.ts).
import { parseEvent } from '@vkwire/events-schema';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer-index.js';
import { partitionKey, partitionOf } from '../src/bus/layout.js';
import { createPublisher } from '../src/bus/publisher-index.js';
import { connectRedis, type RedisHandle } from '../src/connection.js';
import { clusterUnavailable, startCluster, type TestCluster } from './cluster.js';
import { buttonEvent, messageEvent, uniqueName } from './publisher-events.js';

const unavailable = clusterUnavailable();
if (unavailable) console.warn(`skipping the bus's Redis Cluster tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(
  'the bus (publisher and consumer) on a 3-master Redis Cluster',
  () => {
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

    test('publisher → consumer on the Cluster: every event handled once, each conversation in order', async () => {
      const stream = uniqueName('cluster:flow');
      const publisher = await createPublisher({ redis: { cluster: cluster.urls }, stream, partitions: 8 });
      const peers = Array.from({ length: 12 }, (_, index) => 300_000 + index * 7_919);
      const events = [0, 1, 2, 3].flatMap((round) =>
        peers.map((peer) => messageEvent(peer, `${peer}:${round}`)),
      );
      await publisher.publish(events);
      await publisher.close();
      const handled: string[] = [];
      let resolveAll: () => void = () => {};
      const all = new Promise<void>((resolve) => {
        resolveAll = resolve;
      });
      const consumer = createConsumer({
        redis: { cluster: cluster.urls },
        stream,
        group: 'cluster-workers',
        blockMs: 100,
        handler: (event) => {
          handled.push(event.event_id);
          if (handled.length === events.length) resolveAll();
        },
      });
      await consumer.start();
      await all;
      await consumer.stop();
      expect(new Set(handled).size).toBe(events.length);
      for (const peer of peers) {
        const rounds = handled
          .filter((id) => id.startsWith(`${peer}:`))
          .map((id) => Number(id.split(':')[1]));
        expect(rounds).toEqual([0, 1, 2, 3]);
      }
    }, 30_000);

    test('partitions spread over the masters; each dedupe script runs in its partition slot; one conversation, one partition', async () => {
      const stream = uniqueName('cluster:bus');
      const publisher = await createPublisher({ redis: { cluster: cluster.urls }, stream, partitions: 16 });
      const peers = Array.from({ length: 40 }, (_, index) => 200_000 + index * 104_729);
      const events = peers.flatMap((peer) =>
        [0, 1, 2].map((round) => messageEvent(peer, `${peer}-${round}`, `${round}`)),
      );
      const first = await publisher.publish(events);
      // Published again (a redelivery): every one is a duplicate.
      const again = await Promise.all([
        publisher.publish(events.slice(0, 60)),
        publisher.publish(events.slice(60)),
      ]);
      await publisher.close();

      expect(first).toMatchObject({ written: events.length, duplicates: 0 });
      expect(again.reduce((sum, result) => sum + result.duplicates, 0)).toBe(events.length);

      let total = 0;
      for (let n = 0; n < 16; n++) {
        const key = partitionKey({ stream, partitions: 16 }, n);
        const entries = (await redis.run(key, ['XRANGE', key, '-', '+'])) as [string, string[]][];
        total += entries.length;
        for (const [, fields] of entries) {
          const event = parseEvent(fields[fields.indexOf('data') + 1]);
          expect(partitionOf(event, 16)).toBe(n);
        }
      }
      expect(total).toBe(events.length);

      // The 16 partition streams live on more than one master.
      const holders = await Promise.all(
        cluster.urls.map(async (url) => {
          const node = await connectRedis(url, 'cluster test');
          const streams = (await node.run(undefined, ['KEYS', `{${stream}:*}`])) as string[];
          await node.close();
          return streams.length;
        }),
      );
      expect(holders.filter((count) => count > 0).length).toBeGreaterThan(1);
      expect(holders.reduce((sum, count) => sum + count, 0)).toBe(16);
    });

    test('a routed bus and a partition mismatch work the same on a Cluster', async () => {
      const stream = uniqueName('cluster:route');
      const buttons = `${stream}:buttons`;
      const publisher = await createPublisher({
        redis: { cluster: cluster.urls },
        stream,
        partitions: 4,
        route: (event) => (event.event_type === 'button' ? buttons : undefined),
      });
      const result = await publisher.publish([buttonEvent('cb1'), messageEvent(1, 'm1')]);
      await publisher.close();
      expect(result.entries.map((entry) => entry.stream.startsWith(`{${buttons}:`))).toEqual([true, false]);
      await expect(
        createPublisher({ redis: { cluster: cluster.urls }, stream, partitions: 8 }),
      ).rejects.toMatchObject({
        code: 'partition_mismatch',
      });
    });
  },
);
