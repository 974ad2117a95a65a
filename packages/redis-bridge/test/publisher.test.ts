// The publisher against the run's shared Redis: every test uses bus names of its own.
import { EVENT_SCHEMA_VERSION, parseEvent } from '@vkwire/events-schema';
import { redisUrl } from '@vkwire/testing';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest';
import { metaKey, partitionKey, partitionOf, seenKey } from '../src/bus/layout.js';
import {
  BusClosedError,
  BusInvalidEventError,
  BusPartitionMismatchError,
  createPublisher,
  type PublishResult,
} from '../src/bus/publisher-index.js';
import { buttonEvent, messageEvent, uniqueName } from './publisher-events.js';

let client: RedisClientType;
beforeAll(async () => {
  client = createClient({ url: redisUrl() }) as RedisClientType;
  await client.connect();
});
afterAll(async () => {
  await client.close();
});

type Entry = { id: string; fields: Record<string, string> };

/** Every entry of a stream key, fields as an object. */
async function entriesOf(key: string): Promise<Entry[]> {
  const reply = (await client.sendCommand(['XRANGE', key, '-', '+'])) as [string, string[]][];
  return reply.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let index = 0; index < flat.length; index += 2)
      fields[flat[index] as string] = flat[index + 1] as string;
    return { id, fields };
  });
}

/** Every entry of every partition of a bus. */
async function allEntries(stream: string, partitions: number): Promise<(Entry & { partition: number })[]> {
  const all: (Entry & { partition: number })[] = [];
  for (let n = 0; n < partitions; n++)
    for (const entry of await entriesOf(partitionKey({ stream, partitions }, n)))
      all.push({ ...entry, partition: n });
  return all;
}

/** The message text of an entry's event. */
function textOf(data: string | undefined): string | undefined {
  const event = parseEvent(data);
  return 'message' in event ? event.message.text : undefined;
}

describe('what an entry holds', () => {
  test('the stable JSON in data, plus event_id, event_type, peer and the schema version', async () => {
    const stream = uniqueName('pub:fields');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 4 });
    const event = messageEvent(193847562, 'fields-1');
    const result = await publisher.publish(event);
    await publisher.close();

    const partition = partitionOf(event, 4);
    const [entry, ...rest] = await entriesOf(partitionKey({ stream, partitions: 4 }, partition));
    expect(rest).toEqual([]);
    expect(entry?.fields).toEqual({
      event_id: 'fields-1',
      event_type: 'message',
      peer: '193847562',
      v: String(EVENT_SCHEMA_VERSION),
      data: expect.any(String),
    });
    expect(parseEvent(entry?.fields.data)).toEqual(event);
    expect(result).toEqual({
      entries: [
        {
          eventId: 'fields-1',
          stream: `{${stream}:${partition}}`,
          partition,
          id: entry?.id,
          duplicate: false,
        },
      ],
      written: 1,
      duplicates: 0,
    });
    expectTypeOf(result).toEqualTypeOf<PublishResult>();
  });

  test('the partition count is stored in <stream>:meta', async () => {
    const stream = uniqueName('pub:meta');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 5 });
    await publisher.close();
    expect(await client.hGet(metaKey(stream), 'partitions')).toBe('5');
  });
});

describe('partitioning by conversation', () => {
  test('one conversation lands in one partition, in the order published; conversations spread', async () => {
    const stream = uniqueName('pub:order');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 8 });
    const peers = Array.from({ length: 12 }, (_, index) => 100_000 + index * 7919);
    // Interleaved, and not awaited one by one: several calls in flight at once.
    const calls: Promise<PublishResult>[] = [];
    for (let round = 0; round < 20; round++)
      calls.push(
        publisher.publish(peers.map((peer) => messageEvent(peer, `${peer}-${round}`, String(round)))),
      );
    for (let round = 20; round < 40; round++)
      for (const peer of peers)
        calls.push(publisher.publish(messageEvent(peer, `${peer}-${round}`, String(round))));
    await Promise.all(calls);
    await publisher.close();

    const entries = await allEntries(stream, 8);
    expect(entries).toHaveLength(peers.length * 40);
    const partitionsUsed = new Set<number>();
    for (const peer of peers) {
      const mine = entries.filter((entry) => entry.fields.peer === String(peer));
      expect(new Set(mine.map((entry) => entry.partition)).size).toBe(1);
      expect(mine.map((entry) => Number(textOf(entry.fields.data)))).toEqual(
        Array.from({ length: 40 }, (_, round) => round),
      );
      partitionsUsed.add(mine[0]?.partition as number);
    }
    expect(partitionsUsed.size).toBeGreaterThan(1);
  });

  test('a publisher configured with another partition count fails with a typed error', async () => {
    const stream = uniqueName('pub:mismatch');
    const first = await createPublisher({ redis: redisUrl(), stream, partitions: 16 });
    await first.close();
    const second = createPublisher({ redis: redisUrl(), stream, partitions: 8 });
    await expect(second).rejects.toBeInstanceOf(BusPartitionMismatchError);
    await expect(second).rejects.toMatchObject({
      name: 'BusPartitionMismatchError',
      code: 'partition_mismatch',
      stored: 16,
      configured: 8,
      message: expect.stringMatching(/has 16 partitions.*`partitions` is 8/),
    });
  });
});

describe('dedupe by event_id', () => {
  test('the same event published twice is written once; the second reports the first entry', async () => {
    const stream = uniqueName('pub:dedupe');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 4 });
    const event = messageEvent(5, 'twice');
    const first = await publisher.publish(event);
    const second = await publisher.publish(event);
    await publisher.close();

    expect(first).toMatchObject({ written: 1, duplicates: 0 });
    expect(second).toMatchObject({ written: 0, duplicates: 1 });
    expect(second.entries[0]).toEqual({ ...first.entries[0], duplicate: true });
    expect(await allEntries(stream, 4)).toHaveLength(1);
    const mark = seenKey({ stream, partitions: 4 }, partitionOf(event, 4), 'twice');
    expect(await client.get(mark)).toBe(first.entries[0]?.id);
    const ttl = await client.pTTL(mark);
    expect(ttl).toBeGreaterThan(86_000_000);
  });

  test('concurrent publishes of one event, from two publishers and within one array, write one entry', async () => {
    const stream = uniqueName('pub:dedupe-concurrent');
    const a = await createPublisher({ redis: redisUrl(), stream, partitions: 4 });
    const b = await createPublisher({ redis: redisUrl(), stream, partitions: 4 });
    const event = messageEvent(6, 'raced');
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? a : b).publish(event)),
      a.publish([event, event, messageEvent(6, 'other')]),
    ]);
    await Promise.all([a.close(), b.close()]);

    const entries = await allEntries(stream, 4);
    expect(entries.map((entry) => entry.fields.event_id).sort()).toEqual(['other', 'raced']);
    const written = results.reduce((sum, result) => sum + result.written, 0);
    expect(written).toBe(2);
    const ids = new Set(
      results.flatMap((result) => result.entries.filter((e) => e.eventId === 'raced').map((e) => e.id)),
    );
    expect(ids.size).toBe(1);
  });

  test('with dedupe off, a plain XADD: the same event twice is two entries', async () => {
    const stream = uniqueName('pub:nodedupe');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 2, dedupe: false });
    const event = messageEvent(7, 'no-dedupe');
    const results = [await publisher.publish(event), await publisher.publish([event])];
    await publisher.close();
    expect(results.map((result) => result.written)).toEqual([1, 1]);
    expect(await allEntries(stream, 2)).toHaveLength(2);
    expect(await client.keys(`{${stream}:*}:seen:*`)).toEqual([]);
  });

  test('with dedupeTtlMs, the mark expires and the event may be written again', async () => {
    const stream = uniqueName('pub:ttl');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 2, dedupeTtlMs: 1 });
    const event = messageEvent(8, 'short-lived');
    await publisher.publish(event);
    const mark = seenKey({ stream, partitions: 2 }, partitionOf(event, 2), 'short-lived');
    // PX 1: gone after a millisecond; poll the key rather than sleep a guessed time.
    while ((await client.exists(mark)) === 1) await new Promise((resolve) => setImmediate(resolve));
    expect((await publisher.publish(event)).written).toBe(1);
    await publisher.close();
  });
});

describe('routing', () => {
  test('route sends events to named buses, each with its own meta and partitions', async () => {
    const stream = uniqueName('pub:route');
    const buttons = `${stream}:buttons`;
    const publisher = await createPublisher({
      redis: redisUrl(),
      stream,
      partitions: 4,
      route: (event) => (event.event_type === 'button' ? buttons : undefined),
      routedPartitions: { [buttons]: 2 },
    });
    const result = await publisher.publish([messageEvent(9, 'm1'), buttonEvent('b1'), messageEvent(9, 'm2')]);
    await publisher.close();

    expect(result.entries.map((entry) => entry.stream)).toEqual([
      expect.stringMatching(new RegExp(`^\\{${stream}:\\d\\}$`)),
      expect.stringMatching(new RegExp(`^\\{${buttons}:\\d\\}$`)),
      expect.stringMatching(new RegExp(`^\\{${stream}:\\d\\}$`)),
    ]);
    expect((await allEntries(buttons, 2)).map((entry) => entry.fields.event_id)).toEqual(['b1']);
    expect((await allEntries(stream, 4)).map((entry) => entry.fields.event_id)).toEqual(['m1', 'm2']);
    expect(await client.hGet(metaKey(buttons), 'partitions')).toBe('2');
  });

  test('a routed bus with another partition count rejects that publish with the typed error', async () => {
    const stream = uniqueName('pub:route-mismatch');
    const other = `${stream}:other`;
    await client.hSet(metaKey(other), 'partitions', '3');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 4, route: () => other });
    await expect(publisher.publish(messageEvent(1, 'x'))).rejects.toMatchObject({
      code: 'partition_mismatch',
      stream: other,
      stored: 3,
      configured: 4,
    });
    await publisher.close();
    expect(await allEntries(other, 3)).toEqual([]);
  });
});

describe('close', () => {
  test('close() waits for publishes in flight, then publish rejects with BusClosedError', async () => {
    const stream = uniqueName('pub:close');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 4, maxInFlight: 2 });
    const calls = Array.from({ length: 50 }, (_, index) =>
      publisher.publish(messageEvent(index, `c${index}`)),
    );
    const settled = Promise.allSettled(calls);
    await publisher.close();
    // Every call had resolved (acknowledged) by the time close() resolved.
    const states = await Promise.race([settled, Promise.resolve('pending' as const)]);
    expect(states).not.toBe('pending');
    expect((await settled).every((state) => state.status === 'fulfilled')).toBe(true);
    expect(await allEntries(stream, 4)).toHaveLength(50);

    await expect(publisher.publish(messageEvent(1, 'late'))).rejects.toBeInstanceOf(BusClosedError);
    await expect(publisher.publish(messageEvent(1, 'late'))).rejects.toMatchObject({ code: 'bus_closed' });
    await publisher.close();
  });

  test('a client you passed in stays open after close()', async () => {
    const own = createClient({ url: redisUrl() }) as RedisClientType;
    await own.connect();
    const publisher = await createPublisher({ redis: own, stream: uniqueName('pub:own'), partitions: 2 });
    await publisher.publish(messageEvent(1, 'own'));
    await publisher.close();
    expect(await own.ping()).toBe('PONG');
    await own.close();
  });
});

describe('bad input', () => {
  test('something that is not a normalized event rejects the call, and nothing of it is written', async () => {
    const stream = uniqueName('pub:bad');
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 2 });
    const bad = { ...messageEvent(1, 'ok') } as Record<string, unknown>;
    delete bad.event_id;
    const call = publisher.publish([messageEvent(1, 'fine'), bad as never]);
    await expect(call).rejects.toBeInstanceOf(BusInvalidEventError);
    await expect(call).rejects.toMatchObject({ code: 'invalid_event', index: 1, message: /event_id/ });
    await publisher.close();
    expect(await allEntries(stream, 2)).toEqual([]);
  });

  test('bad options are VkwireConfigErrors naming the option', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ partitions: 0 }, 'partitions'],
      [{ partitions: 1.5 }, 'partitions'],
      [{ stream: '{x}' }, 'stream'],
      [{ maxLen: -1 }, 'maxLen'],
      [{ dedupeTtlMs: 0 }, 'dedupeTtlMs'],
      [{ maxInFlight: 0 }, 'maxInFlight'],
      [{ maxWaitMs: -5 }, 'maxWaitMs'],
      [{ dedupe: 'yes' }, 'dedupe'],
    ];
    for (const [options, option] of cases)
      await expect(createPublisher({ redis: redisUrl(), ...options })).rejects.toMatchObject({
        name: 'VkwireConfigError',
        code: 'invalid_option',
        option,
      });
  });
});

test('maxLen trims each partition to about that many entries', async () => {
  const stream = uniqueName('pub:maxlen');
  const publisher = await createPublisher({
    redis: redisUrl(),
    stream,
    partitions: 1,
    maxLen: 100,
    dedupe: false,
  });
  await publisher.publish(Array.from({ length: 1000 }, (_, index) => messageEvent(1, `t${index}`)));
  await publisher.close();
  const length = await client.xLen(partitionKey({ stream, partitions: 1 }, 0));
  expect(length).toBeGreaterThanOrEqual(100);
  expect(length).toBeLessThan(1000);
});
