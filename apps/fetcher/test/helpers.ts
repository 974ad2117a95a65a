import { randomUUID } from 'node:crypto';
import { silentLogger } from '@vkwire/core';
import { createMemoryNameResolver, parseEvent, type VkwireEvent } from '@vkwire/events-schema';
import { redisUrl } from '@vkwire/testing';
import { createClient } from 'redis';
import { Fetcher, type FetcherOptions } from '../src/fetcher.js';

/** A bus name no other test uses. */
export function uniqueStream(): string {
  return `test:${randomUUID()}`;
}

/** A Fetcher on the test Redis with quick defaults; `overrides` win. */
export function testFetcher(overrides: Partial<FetcherOptions> & Pick<FetcherOptions, 'tokens'>): Fetcher {
  return new Fetcher({
    redisUrl: redisUrl(),
    stream: uniqueStream(),
    partitions: 4,
    prefixes: ['/', '!'],
    wait: 1,
    leaseMs: 2000,
    logger: process.env.DEBUG_FETCHER ? console_logger() : silentLogger,
    resolver: () => createMemoryNameResolver(),
    keyPrefix: `test:${randomUUID()}:`,
    ...overrides,
  });
}

/** Every event on the bus `stream` (all partitions), in stream order per partition. */
export async function busEvents(
  stream: string,
  partitions: number,
  url = redisUrl(),
): Promise<VkwireEvent[]> {
  const client = createClient({ url });
  await client.connect();
  try {
    const events: VkwireEvent[] = [];
    for (let n = 0; n < partitions; n++) {
      const entries = await client.xRange(`{${stream}:${n}}`, '-', '+');
      for (const entry of entries ?? []) events.push(parseEvent(String(entry.message.data)));
    }
    return events;
  } finally {
    await client.close();
  }
}

/** Polls `check` until it holds (or throws after `ms`). */
export async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function console_logger() {
  const line = (level: string) => (fields: Record<string, unknown>, message?: string) =>
    console.error(level, message, JSON.stringify(fields));
  return { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
}

/** The text of a message or command event (undefined for the others). */
export function textOf(event: VkwireEvent): string | undefined {
  return 'message' in event ? event.message.text : undefined;
}

let nextGroup = 100_000_000 + Math.floor(Math.random() * 800_000_000);

/** A community id no other test (in any test file's process) is likely to use: leases and checkpoints are per community. */
export function freshGroupId(): number {
  return nextGroup++;
}
