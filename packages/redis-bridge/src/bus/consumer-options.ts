import type { DedupeStore, Logger, UpdateContext, UpdateHandler } from '@vkwire/core';
import type { VkwireEvent } from '@vkwire/events-schema';
import type { RedisInput } from '../connection.js';

/** What a bus handler is told besides the event. */
export interface BusContext extends UpdateContext {
  readonly transport: 'bus';
  /** The partition stream the entry was read from, e.g. `{vkwire:events:3}`. */
  readonly stream: string;
  /** The partition number. */
  readonly partition: number;
  /** The entry's id in that stream. */
  readonly entryId: string;
  /** How many times the entry has been delivered, this time included (1 the first time). */
  readonly deliveries: number;
  /** The fencing token of this consumer's lease on the partition: it grows with every new owner. */
  readonly fence: number;
}

/** A bus handler: resolve when the event is handled (it is then acked), throw to have it redelivered. */
export type BusHandler = UpdateHandler<VkwireEvent, BusContext>;

/** Options of {@link createConsumer}. */
export interface ConsumerOptions {
  /** Redis: a URL, `{ cluster: [urls] }`, or a node-redis client of yours (left open on stop). */
  redis: RedisInput;
  /** The bus's name (partition streams are `{<stream>:<n>}`). @default 'vkwire:events' */
  stream?: string;
  /** The consumer group: each event is handled once per group. */
  group: string;
  /** This consumer's name in the group; must be unique among live consumers. @default `<hostname>-<pid>-<random>` */
  consumer?: string;
  /** The handler (or pass it to `start(handler)`, or iterate the consumer with `for await`). */
  handler?: BusHandler;
  /** Handlers running at once; events of one conversation always run one at a time, in order. @default 8 */
  concurrency?: number;
  /**
   * The stream's partition count. Read from `<stream>:meta` when left out (16 if nothing is recorded
   * yet); a different count than the recorded one fails `start()` with `BusPartitionMismatchError`.
   */
  partitions?: number;
  /** How long one blocking read waits for new entries, in ms. @default 1000 */
  blockMs?: number;
  /**
   * How long an entry pending on another live consumer must have been idle before this consumer,
   * having taken over its partition, claims it (entries of a consumer that left or died are claimed
   * at once). @default 30000
   */
  claimIdleMs?: number;
  /** Deliveries after which a failing entry goes to the dead-letter stream `<stream>:dead`. @default 5 */
  maxDeliveries?: number;
  /** How long a partition lease and a membership heartbeat last; renewed every third of it. @default 10000 */
  leaseMs?: number;
  /** Wait before a failed entry is delivered again, in ms (doubling, at most 30 s). @default 1000 */
  retryDelayMs?: number;
  /** How long `stop()` waits for running handlers before aborting them. @default 10000 */
  stopTimeoutMs?: number;
  /** Most entries kept in the dead-letter stream (approximately; oldest dropped). @default 100000 */
  deadLetterMaxLen?: number;
  /**
   * Opt-in handler-side dedupe by `event_id` (e.g. `RedisDedupeStore`): an event already handled by
   * this group (a redelivery after a crash or a Redis restart) is acked without running the handler.
   */
  dedupe?: DedupeStore;
  /** How long a handled event_id is remembered by `dedupe`, in ms. @default 86400000 */
  dedupeTtlMs?: number;
  /** Where warnings and errors go. @default the stderr logger of @vkwire/core */
  logger?: Logger;
  /** Aborting it stops the consumer, as `stop()` does. */
  signal?: AbortSignal;
}
