// A consumer's loop commands share its stop signal (so stop() drops what Redis has not taken yet):
// holding many partitions, it renews them all at once, and that is no listener leak to warn about.
import { silentLogger } from '@vkwire/core';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer-index.js';
import { uniqueStream } from './consumer-helpers.js';

test('a consumer holding 16 partitions runs and stops without a MaxListenersExceededWarning', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(`${warning.name}: ${warning.message}`);
  };
  process.on('warning', onWarning);
  try {
    const consumer = createConsumer({
      redis: redisUrl(),
      stream: uniqueStream(),
      partitions: 16,
      group: 'g',
      logger: silentLogger,
      leaseMs: 300,
      blockMs: 100,
      handler: () => {},
    });
    await consumer.start();
    await new Promise((resolve) => setTimeout(resolve, 500)); // several renewals of all 16
    await consumer.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  } finally {
    process.off('warning', onWarning);
  }
});
