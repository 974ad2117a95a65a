import { silentLogger } from '@vkwire/core';
import type { VkwireEvent } from '@vkwire/events-schema';
import { redisUrl } from '@vkwire/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BusConsumer, type BusContext, createConsumer } from '../src/bus/consumer-index.js';
import { deadLetterKey, partitionKey } from '../src/bus/layout.js';
import { connectRedis, type RedisHandle } from '../src/connection.js';
import { deferred, messageEvent, uniqueStream, until, writeEvent } from './consumer-helpers.js';

let redis: RedisHandle;
beforeAll(async () => {
  redis = await connectRedis(redisUrl(), 'test');
});
afterAll(async () => {
  await redis.close();
});

const base = {
  logger: silentLogger,
  leaseMs: 300,
  blockMs: 200,
  retryDelayMs: 10,
  claimIdleMs: 200,
} as const;

async function pendingCount(stream: string, partitions: number, group: string): Promise<number> {
  let total = 0;
  for (let n = 0; n < partitions; n++) {
    const key = partitionKey({ stream, partitions }, n);
    const reply = (await redis.run(key, ['XPENDING', key, group]).catch(() => [0])) as unknown[];
    total += Number(reply[0]);
  }
  return total;
}

async function deadLetters(stream: string): Promise<Record<string, string>[]> {
  const reply = (await redis.run(deadLetterKey(stream), ['XRANGE', deadLetterKey(stream), '-', '+'])) as [
    string,
    string[],
  ][];
  return reply.map(([, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return fields;
  });
}

describe('delivery', () => {
  test('an event is acked only after its handler succeeded', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 4 };
    await writeEvent(redis, layout, messageEvent(11, 'hello', 'ev-1'));
    const started = deferred<VkwireEvent>();
    const release = deferred();
    const consumer = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 4,
      group: 'g',
      handler: async (event) => {
        started.resolve(event);
        await release.promise;
      },
    });
    await consumer.start();
    expect((await started.promise).event_id).toBe('ev-1');
    expect(await pendingCount(stream, 4, 'g')).toBe(1);
    release.resolve();
    await until(async () => (await pendingCount(stream, 4, 'g')) === 0);
    expect(await consumer.stop()).toEqual({ abandoned: 0 });
  });

  test('a group created by the first consumer reads the backlog published before it, in order per conversation', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 4 };
    for (let i = 0; i < 30; i++)
      await writeEvent(redis, layout, messageEvent(100 + (i % 3), String(i), `b-${i}`));
    const seen: string[] = [];
    const all = deferred();
    const consumer = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 4,
      group: 'g',
      handler: (event) => {
        seen.push(event.event_id);
        if (seen.length === 30) all.resolve();
      },
    });
    await consumer.start();
    await all.promise;
    await consumer.stop();
    for (const peer of [0, 1, 2]) {
      const mine = seen.filter((id) => Number(id.slice(2)) % 3 === peer).map((id) => Number(id.slice(2)));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
      expect(mine).toHaveLength(10);
    }
  });

  test('a failing handler is retried; after maxDeliveries the entry is dead-lettered with its last error and acked', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 2 };
    await writeEvent(redis, layout, messageEvent(7, 'poison', 'poison-1'));
    await writeEvent(redis, layout, messageEvent(8, 'flaky', 'flaky-1'));
    const deliveries: number[] = [];
    const flaky: BusContext[] = [];
    const flakyDone = deferred();
    const consumer = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 2,
      group: 'g',
      maxDeliveries: 3,
      handler: (event, context) => {
        if (event.event_id === 'poison-1') {
          deliveries.push(context.deliveries);
          throw new Error(`boom ${context.deliveries}`);
        }
        flaky.push(context);
        if (context.deliveries === 1) throw new Error('first time fails');
        flakyDone.resolve();
      },
    });
    await consumer.start();
    await flakyDone.promise;
    await until(async () => (await deadLetters(stream)).length === 1);
    await until(async () => (await pendingCount(stream, 2, 'g')) === 0);
    await consumer.stop();
    expect(deliveries).toEqual([1, 2, 3]);
    expect(flaky.map((c) => c.deliveries)).toEqual([1, 2]);
    expect(flaky[1]?.retryCounter).toBe(1);
    const [letter] = await deadLetters(stream);
    expect(letter).toMatchObject({
      event_id: 'poison-1',
      dead_reason: 'max_deliveries',
      dead_error: 'Error: boom 3',
      dead_deliveries: '3',
      dead_group: 'g',
    });
  });

  test('a consumer taking over an entry that failed elsewhere dead-letters it with the error recorded there', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 1 };
    await writeEvent(redis, layout, messageEvent(500, 'poison', 'poison-2'));
    const failed = deferred();
    const first = createConsumer({
      ...base,
      retryDelayMs: 60_000, // it would retry much later: it stops first
      redis: redisUrl(),
      stream,
      partitions: 1,
      group: 'g',
      maxDeliveries: 2,
      handler: () => {
        failed.resolve();
        throw new Error('boom on the first consumer');
      },
    });
    await first.start();
    await failed.promise;
    await first.stop(); // leaves the entry pending, delivered once
    const second = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 1,
      group: 'g',
      maxDeliveries: 1,
      handler: () => {
        throw new Error('never runs: the entry is over its deliveries');
      },
    });
    await second.start();
    await until(async () => (await deadLetters(stream)).length === 1);
    await second.stop();
    expect((await deadLetters(stream))[0]).toMatchObject({
      event_id: 'poison-2',
      dead_reason: 'max_deliveries',
      dead_error: 'Error: boom on the first consumer',
    });
  });

  test('an entry that is not a vkwire event is dead-lettered at once with the reason, and the next one is handled', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 1 };
    const key = partitionKey(layout, 0);
    await redis.run(key, ['XADD', key, '*', 'foo', 'bar']);
    await redis.run(key, ['XADD', key, '*', 'data', '{not json']);
    await redis.run(key, ['XADD', key, '*', 'data', JSON.stringify({ schema_version: 1, event_id: 'x' })]);
    await writeEvent(redis, layout, messageEvent(9, 'fine', 'good-1'));
    const handled = deferred<string>();
    const consumer = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 1,
      group: 'g',
      handler: (event) => handled.resolve(event.event_id),
    });
    await consumer.start();
    expect(await handled.promise).toBe('good-1');
    await until(async () => (await deadLetters(stream)).length === 3);
    await until(async () => (await pendingCount(stream, 1, 'g')) === 0);
    await consumer.stop();
    const letters = await deadLetters(stream);
    expect(letters.map((l) => l.dead_reason)).toEqual(['bad_input', 'bad_input', 'bad_input']);
    expect(letters[0]?.dead_error).toMatch(/no `data` field/);
    expect(letters[0]?.foo).toBe('bar');
    expect(letters[1]?.dead_error).toMatch(/JSON/);
    expect(letters[2]?.dead_error).toMatch(/Not a vkwire event/);
  });

  test('a consumer configured with another partition count than the stream has fails to start', async () => {
    const stream = uniqueStream();
    await redis.run(`${stream}:meta`, ['HSET', `${stream}:meta`, 'partitions', 8]);
    const consumer = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 4,
      group: 'g',
      handler: () => {},
    });
    await expect(consumer.start()).rejects.toMatchObject({
      code: 'partition_mismatch',
      stored: 8,
      configured: 4,
    });
  });

  test('bad options are VkwireConfigErrors', () => {
    expect(() => createConsumer({ redis: redisUrl(), group: '' })).toThrow(
      /`group` must be a non-empty string/,
    );
    expect(() => createConsumer({ redis: redisUrl(), group: 'g', concurrency: 0 })).toThrow(
      /`concurrency` must be an integer ≥ 1/,
    );
  });
});

describe('order and sharing', () => {
  test('two consumers in one process share the partitions, and each conversation stays in order', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 8 };
    const handledBy = new Map<string, number>();
    const lastSeq = new Map<number, number>();
    let violations = 0;
    let count = 0;
    const all = deferred();
    const make = (name: string): BusConsumer =>
      createConsumer({
        ...base,
        redis: redisUrl(),
        stream,
        partitions: 8,
        group: 'g',
        consumer: name,
        concurrency: 4,
        handler: async (event) => {
          const peer = event.peer?.bpid ?? 0;
          const seq = Number('message' in event ? event.message.text : NaN);
          if ((lastSeq.get(peer) ?? -1) >= seq) violations += 1;
          lastSeq.set(peer, seq);
          handledBy.set(name, (handledBy.get(name) ?? 0) + 1);
          await new Promise((r) => setImmediate(r));
          if (++count === 400) all.resolve();
        },
      });
    const a = make('a');
    const b = make('b');
    await a.start();
    await b.start();
    // Wait for the rebalance: both hold leases.
    await until(async () => {
      const owners = new Set<string>();
      for (let n = 0; n < 8; n++) {
        const key = `{${stream}:${n}}:lease:g`;
        const owner = await redis.run(key, ['GET', key]);
        if (typeof owner === 'string') owners.add(owner);
      }
      return owners.size === 2;
    });
    for (let i = 0; i < 400; i++)
      await writeEvent(redis, layout, messageEvent(1000 + (i % 20), String(i), `o-${i}`));
    await all.promise;
    await Promise.all([a.stop(), b.stop()]);
    expect(violations).toBe(0);
    expect(handledBy.get('a')).toBeGreaterThan(0);
    expect(handledBy.get('b')).toBeGreaterThan(0);
  });
});

describe('stop', () => {
  test('stop() cuts the blocking read, waits for the running handler, acks it, releases the leases; the next event goes to another consumer', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 2 };
    await writeEvent(redis, layout, messageEvent(5, 'one', 's-1'));
    const started = deferred();
    let finishedHandler = false;
    const consumer = createConsumer({
      ...base,
      blockMs: 60_000,
      redis: redisUrl(),
      stream,
      partitions: 2,
      group: 'g',
      consumer: 'first',
      handler: async () => {
        started.resolve();
        await new Promise((r) => setTimeout(r, 100));
        finishedHandler = true;
      },
    });
    await consumer.start();
    await started.promise;
    const t0 = Date.now();
    expect(await consumer.stop()).toEqual({ abandoned: 0 });
    expect(Date.now() - t0).toBeLessThan(5_000); // not the 60 s block
    expect(finishedHandler).toBe(true);
    expect(await consumer.finished).toEqual({ reason: 'stopped' });
    expect(await pendingCount(stream, 2, 'g')).toBe(0);
    for (let n = 0; n < 2; n++) expect(await redis.run('x', ['EXISTS', `{${stream}:${n}}:lease:g`])).toBe(0);
    await writeEvent(redis, layout, messageEvent(5, 'two', 's-2'));
    const second = deferred<string>();
    const next = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 2,
      group: 'g',
      consumer: 'second',
      handler: (event, context) => second.resolve(`${event.event_id}:${context.deliveries}`),
    });
    await next.start();
    expect(await second.promise).toBe('s-2:1');
    await next.stop();
  });

  test('a handler still running after stopTimeoutMs is abandoned: its signal aborts and the entry stays pending', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 1 };
    await writeEvent(redis, layout, messageEvent(5, 'slow', 'slow-1'));
    const started = deferred<AbortSignal>();
    const consumer = createConsumer({
      ...base,
      redis: redisUrl(),
      stream,
      partitions: 1,
      group: 'g',
      stopTimeoutMs: 100,
      handler: (_event, { signal }) => {
        started.resolve(signal);
        return new Promise(() => {});
      },
    });
    await consumer.start();
    const signal = await started.promise;
    expect(await consumer.stop()).toEqual({ abandoned: 1 });
    expect(signal.aborted).toBe(true);
    expect(await pendingCount(stream, 1, 'g')).toBe(1);
  });

  test('for await hands out events; the next turn acks the previous one, and the loop ends on stop', async () => {
    const stream = uniqueStream();
    const layout = { stream, partitions: 2 };
    for (let i = 0; i < 5; i++) await writeEvent(redis, layout, messageEvent(77, String(i), `it-${i}`));
    const consumer = createConsumer({ ...base, redis: redisUrl(), stream, partitions: 2, group: 'g' });
    const seen: string[] = [];
    const ended = (async () => {
      for await (const { event } of consumer) {
        seen.push(event.event_id);
        if (seen.length === 5) void consumer.stop();
      }
    })();
    await ended;
    expect(seen).toEqual(['it-0', 'it-1', 'it-2', 'it-3', 'it-4']);
    // The loop's next turn after stop() acked the last one before the loop ended.
    expect(await pendingCount(stream, 2, 'g')).toBe(0);
  });
});
