// A Redis URL may hold a password (redis://user:password@host). Printing any object of this
// package — console.log, a logger's object serializer, JSON.stringify — must not show it.
import { inspect } from 'node:util';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer.js';
import { createPublisher } from '../src/bus/publisher.js';
import { RedisRateLimiter } from '../src/limiter.js';
import { RedisCheckpointStore, RedisDedupeStore, RedisLease, RedisStorage } from '../src/stores/index.js';

const PASSWORD = 'secrecy-test-password-7f3a';

/** The test server's URL with a password in it: its default user takes any (it has none set). */
function urlWithPassword(): string {
  const url = new URL(redisUrl());
  url.username = 'default';
  url.password = PASSWORD;
  return url.toString();
}

/** Every common way an object is printed. */
function printed(value: object): string[] {
  return [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    JSON.stringify(value) ?? '',
    String(value),
  ];
}

test('stores, lease, limiter and consumer never print the password of their Redis URL', async () => {
  const redis = urlWithPassword();
  const objects = {
    storage: new RedisStorage({ redis }),
    lease: new RedisLease({ redis }),
    limiter: new RedisRateLimiter({ redis }),
    checkpoints: new RedisCheckpointStore({ redis }),
    dedupe: new RedisDedupeStore({ redis }),
    consumer: createConsumer({ redis, group: 'secrecy', handler: () => {} }),
  };
  try {
    // Used once, so each holds its connection too.
    await objects.storage.set('secrecy', { n: 1 });
    for (const [name, object] of Object.entries(objects))
      for (const text of printed(object)) expect(text, name).not.toContain(PASSWORD);
  } finally {
    await Promise.all([
      objects.storage.close(),
      objects.lease.close(),
      objects.limiter.close(),
      objects.checkpoints.close(),
      objects.dedupe.close(),
    ]);
  }
});

test('a publisher never prints the password of its Redis URL', async () => {
  const publisher = await createPublisher({ redis: urlWithPassword(), partitions: 2, stream: 'secrecy' });
  try {
    for (const text of printed(publisher)) expect(text).not.toContain(PASSWORD);
  } finally {
    await publisher.close();
  }
});
