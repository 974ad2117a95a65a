import type { RedisHandle } from '../connection.js';
import { ensureBusPartitions, readBusPartitions } from './meta.js';

/** The partition count a consumer assumes when neither it nor the stream names one (the publisher's default too). */
export const DEFAULT_CONSUMER_PARTITIONS = 16;

/**
 * The partition count a consumer reads with: the one recorded in `<stream>:meta`, or, when nothing
 * is recorded yet, `configured ?? 16`, recorded so that the first publisher or consumer fixes it for
 * everyone.
 *
 * @throws {BusPartitionMismatchError} when `configured` differs from the recorded count.
 */
export async function consumerPartitions(
  redis: RedisHandle,
  stream: string,
  configured: number | undefined,
): Promise<number> {
  const stored = configured === undefined ? await readBusPartitions(redis, stream) : undefined;
  const partitions = configured ?? stored ?? DEFAULT_CONSUMER_PARTITIONS;
  await ensureBusPartitions(redis, stream, partitions, 'createConsumer');
  return partitions;
}
