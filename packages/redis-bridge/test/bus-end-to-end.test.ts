import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer-index.js';
import { createPublisher } from '../src/bus/publisher-index.js';
import { RedisDedupeStore } from '../src/stores/index.js';
import { messageEvent, uniqueStream, until } from './consumer-helpers.js';

test('publisher → consumer: each conversation in order; a repeat published without dedupe is handled once with the consumer’s dedupe', async () => {
  const stream = uniqueStream();
  const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 4, dedupe: false });
  const events = Array.from({ length: 40 }, (_, index) =>
    messageEvent(100 + (index % 5), `m${index}`, `e${index}`),
  );
  await publisher.publish(events);
  await publisher.publish(events[3] as (typeof events)[number]); // a repeat the bus lets through
  await publisher.close();

  const store = new RedisDedupeStore({ redis: redisUrl() });
  const handled: string[] = [];
  const consumer = createConsumer({
    redis: redisUrl(),
    stream,
    group: 'workers',
    dedupe: store,
    handler: (event) => {
      handled.push(event.event_id);
    },
  });
  await consumer.start();
  await until(() => handled.length >= 40);
  await new Promise((resolve) => setTimeout(resolve, 300)); // time for the repeat to come through, if it did
  await consumer.stop();
  await store.close();
  expect(handled).toHaveLength(40);
  for (let peer = 0; peer < 5; peer++) {
    const order = handled.filter((id) => Number(id.slice(1)) % 5 === peer).map((id) => Number(id.slice(1)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
});

/**
 * A Python 3 that has redis-py and jsonschema: the one on PATH, else the system's (Debian's
 * python3-redis and python3-jsonschema, which .ci/run installs, go to /usr/bin/python3 only).
 */
const python = ['python3', '/usr/bin/python3'].find(
  (command) => spawnSync(command, ['-c', 'import redis, jsonschema'], { encoding: 'utf8' }).status === 0,
);

test.skipIf(python === undefined)(
  'the Python consumer of the README reads and validates what the publisher wrote',
  async () => {
    const stream = uniqueStream();
    const publisher = await createPublisher({ redis: redisUrl(), stream, partitions: 4 });
    await publisher.publish(
      Array.from({ length: 6 }, (_, index) => messageEvent(7 + index, `hi ${index}`, `py${index}`)),
    );
    await publisher.close();
    const script = fileURLToPath(new URL('../examples/consumer.py', import.meta.url));
    const run = spawnSync(python as string, [script, redisUrl(), stream, 'python-readers', '6'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[1])
        .sort(),
    ).toEqual(['py0', 'py1', 'py2', 'py3', 'py4', 'py5']);
  },
);
