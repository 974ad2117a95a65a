import { VkwireConfigError } from '@vkwire/core';
import { type RedisHandle, RedisScript } from '../connection.js';
import { BusPartitionMismatchError } from './errors.js';
import { metaKey } from './layout.js';

/** The most partitions a bus may have. */
export const MAX_PARTITIONS = 1024;

/** Sets `partitions` only if the meta hash has none yet, then returns what it holds: one step. */
const ENSURE_META = new RedisScript(
  "redis.call('HSETNX', KEYS[1], 'partitions', ARGV[1])\nreturn redis.call('HGET', KEYS[1], 'partitions')",
);

/**
 * Checks `partitions` (an integer 1 … {@link MAX_PARTITIONS}) and throws a `VkwireConfigError`
 * naming `component` otherwise.
 */
export function checkPartitions(component: string, partitions: unknown): number {
  if (
    typeof partitions !== 'number' ||
    !Number.isInteger(partitions) ||
    partitions < 1 ||
    partitions > MAX_PARTITIONS
  )
    throw new VkwireConfigError(component, 'partitions', `an integer from 1 to ${MAX_PARTITIONS}`, {
      got: partitions,
    });
  return partitions;
}

/**
 * Fixes the partition count of the bus `stream` (in `<stream>:meta`) if nobody has, atomically
 * (HSETNX then HGET in one script), and checks that it is `partitions`.
 *
 * @throws {BusPartitionMismatchError} the bus has another count.
 * @example
 * await ensureBusPartitions(redis, 'vkwire:events', 16, 'createConsumer');
 */
export async function ensureBusPartitions(
  redis: RedisHandle,
  stream: string,
  partitions: number,
  component: string,
): Promise<void> {
  const key = metaKey(stream);
  const stored = Number(await redis.script(ENSURE_META, [key], [partitions]));
  if (stored !== partitions) throw new BusPartitionMismatchError(component, stream, stored, partitions);
}

/**
 * The partition count of the bus `stream`, or undefined when no publisher or consumer has fixed
 * it yet.
 */
export async function readBusPartitions(redis: RedisHandle, stream: string): Promise<number | undefined> {
  const key = metaKey(stream);
  const value = await redis.run(key, ['HGET', key, 'partitions']);
  return value === null || value === undefined ? undefined : Number(value);
}
