import { silentLogger } from '@vkwire/core';
import { destroyManagedRedis, launchManagedRedis, startRedisServer, stopRedisServer } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer-index.js';
import { connectRedis } from '../src/connection.js';
import { messageEvent, until, writeEvent } from './consumer-helpers.js';

test('Redis restarted under consumption: the consumer reconnects and resumes, no crash', async () => {
  // A server of its own: restarting the shared one would disturb the other test files.
  const server = await launchManagedRedis();
  try {
    const layout = { stream: 'restart', partitions: 2 };
    const seen = new Set<string>();
    const consumer = createConsumer({
      redis: server.url,
      stream: 'restart',
      partitions: 2,
      group: 'g',
      leaseMs: 300,
      blockMs: 200,
      logger: silentLogger,
      handler: (event) => {
        seen.add(event.event_id);
      },
    });
    await consumer.start();
    const writer = await connectRedis(server.url, 'test');
    for (let i = 0; i < 5; i++) await writeEvent(writer, layout, messageEvent(1 + i, 'before', `r-${i}`));
    await until(() => seen.size === 5);
    await stopRedisServer(server);
    await startRedisServer(server);
    // The server came back empty (the test server keeps no data): the group is made again.
    for (let i = 5; i < 10; i++) await writeEvent(writer, layout, messageEvent(1 + i, 'after', `r-${i}`));
    await until(() => seen.size === 10, 20_000);
    expect(await consumer.stop()).toEqual({ abandoned: 0 });
    await writer.close();
  } finally {
    await destroyManagedRedis(server);
  }
});
