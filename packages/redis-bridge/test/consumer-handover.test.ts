import { silentLogger } from '@vkwire/core';
import { redisUrl } from '@vkwire/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type BusConsumer, createConsumer } from '../src/bus/consumer-index.js';
import { connectRedis, type RedisHandle } from '../src/connection.js';
import { messageEvent, uniqueStream, until, writeEvent } from './consumer-helpers.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await connectRedis(redisUrl(), 'test');
});
afterAll(async () => {
  await redis.close();
});

// A consumer giving a partition to a newcomer may still have a blocking read on it in flight. What
// that read brings after the lease went must not stay pending on the old owner: the newcomer would
// wait claimIdleMs (30 s by default) before taking it.
test('a partition handed over while its old owner blocks in a read on it: every event handled at once, none waits claimIdleMs', async () => {
  const stream = uniqueStream();
  const partitions = 2;
  const layout = { stream, partitions };
  const handled = new Map<string, number>();
  const consumers: BusConsumer[] = [];
  const make = (name: string): BusConsumer => {
    const consumer = createConsumer({
      logger: silentLogger,
      redis: redisUrl(),
      stream,
      partitions,
      group: 'g',
      consumer: name,
      leaseMs: 300,
      // A long block: the first owner's read is in flight through the whole hand-over.
      blockMs: 20_000,
      handler: (event) => {
        handled.set(event.event_id, Date.now());
      },
    });
    consumers.push(consumer);
    return consumer;
  };
  try {
    const first = make('first');
    await first.start();
    await until(async () => {
      for (let n = 0; n < partitions; n++)
        if ((await redis.run('x', ['GET', `{${stream}:${n}}:lease:g`])) !== 'first') return false;
      return true;
    });
    const second = make('second');
    await second.start();
    // Publish through the hand-over: every 20 ms one event to each of 8 conversations, for 1.5 s.
    const sent = new Map<string, number>();
    for (let i = 0; i < 75; i++) {
      for (let peer = 0; peer < 8; peer++) {
        const id = `h-${i}-${peer}`;
        sent.set(id, Date.now());
        await writeEvent(redis, layout, messageEvent(7000 + peer, String(i), id));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await until(() => handled.size === sent.size, 10_000).catch(() => undefined);
    const late = [...sent].filter(([id, at]) => (handled.get(id) ?? Number.POSITIVE_INFINITY) - at > 5_000);
    expect(late.length, `${late.length} of ${sent.size} events handled late or not at all`).toBe(0);
    const owners = new Set<unknown>();
    for (let n = 0; n < partitions; n++)
      owners.add(await redis.run('x', ['GET', `{${stream}:${n}}:lease:g`]));
    expect(owners).toEqual(new Set(['first', 'second']));
  } finally {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
  }
});
