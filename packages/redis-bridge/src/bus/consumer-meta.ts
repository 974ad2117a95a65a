import type { RedisHandle } from '../connection.js';
import { metaKey } from './layout.js';

/** The partition count a consumer assumes when neither it nor the stream names one. */
export const DEFAULT_CONSUMER_PARTITIONS = 16;

/**
 * A consumer was configured with a partition count the stream does not have: reading with another
 * count would put one conversation's events under two owners and break their order.
 *
 * @example
 * try { await consumer.start() } catch (error) {
 *   if (error instanceof ConsumerPartitionMismatchError) console.error(error.stored, error.configured);
 * }
 */
export class ConsumerPartitionMismatchError extends Error {
  override readonly name = 'ConsumerPartitionMismatchError';
  /** Machine-readable code. */
  readonly code = 'partition_mismatch';

  /**
   * @param stream the bus stream's name
   * @param stored the count recorded in `<stream>:meta`
   * @param configured the count this consumer was given
   */
  constructor(
    readonly stream: string,
    readonly stored: number,
    readonly configured: number,
  ) {
    super(
      `createConsumer: stream "${stream}" has ${stored} partitions (recorded in ${metaKey(stream)}), ` +
        `but this consumer was configured with partitions: ${configured}; use ${stored} or a new stream`,
    );
  }
}

/**
 * The partition count of `stream`: the one recorded in `<stream>:meta` (field `partitions`), or, when
 * nothing is recorded yet, `configured ?? 16`, recorded with HSETNX so the first publisher or
 * consumer fixes it for everyone.
 *
 * @throws {ConsumerPartitionMismatchError} when `configured` differs from the recorded count.
 */
export async function consumerPartitions(
  redis: RedisHandle,
  stream: string,
  configured: number | undefined,
): Promise<number> {
  const key = metaKey(stream);
  await redis.run(key, ['HSETNX', key, 'partitions', configured ?? DEFAULT_CONSUMER_PARTITIONS]);
  const stored = Number(await redis.run(key, ['HGET', key, 'partitions']));
  if (configured !== undefined && stored !== configured)
    throw new ConsumerPartitionMismatchError(stream, stored, configured);
  return stored;
}
