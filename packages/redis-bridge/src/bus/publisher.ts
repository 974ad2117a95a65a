import { defaultLogger, errorText, type Logger, VkwireConfigError } from '@vkwire/core';
import { EVENT_SCHEMA_VERSION, serializeEvent, type VkwireEvent } from '@vkwire/events-schema';
import { connectRedis, type RedisInput } from '../connection.js';
import { isRetriable, retryDelayMs } from '../retry.js';
import {
  BusClosedError,
  BusInvalidEventError,
  BusPartitionMismatchError,
  BusUnavailableError,
} from './errors.js';
import { partitionKey, partitionOf } from './layout.js';
import { checkPartitions, ensureBusPartitions } from './meta.js';
import { type EntryValues, PUBLISH_BATCH, PUBLISH_DEDUPE, xaddArgs } from './publish-script.js';
import { Slots } from './slots.js';

const COMPONENT = 'createPublisher';
const PUBLISH = 'publisher.publish';
/** Entries of one partition per script call at most (a bigger batch is split). */
const MAX_SCRIPT_BATCH = 256;
const SCHEMA_VERSION = String(EVENT_SCHEMA_VERSION);

/** Options of {@link createPublisher}. */
export interface PublisherOptions {
  /** Where Redis is: a URL, `{ cluster: [urls] }`, or your connected node-redis client (it stays yours). */
  redis: RedisInput;
  /** The bus's base name: partition n is the stream `{<stream>:<n>}`. @default 'vkwire:events' */
  stream?: string;
  /**
   * How many partitions (1 … 1024). Fixed by the first publisher or consumer of the bus; another
   * count fails with `BusPartitionMismatchError`. @default 16
   */
  partitions?: number;
  /** Trims each partition to about this many entries (`XADD MAXLEN ~`). @default no trimming */
  maxLen?: number;
  /**
   * Writes an `event_id` once (a mark per event, set in the same Lua script as the XADD): a
   * publish retried after a crash, or a VK redelivery, adds nothing. Off: plain XADDs (those of
   * one partition in one call batched in a script), faster; a retry after a lost reply may then
   * write an entry twice. @default true
   */
  dedupe?: boolean;
  /** How long the dedupe mark of an event lives, in ms. @default 86_400_000 (24 h) */
  dedupeTtlMs?: number;
  /**
   * Redis commands in flight at once, at most. Each partition has at most one (its entries wait
   * for it and go together in the next, up to 256 a command), so this bounds many partitions or
   * routed buses together. @default 1024
   */
  maxInFlight?: number;
  /**
   * Sends an event to another bus: return its base stream name (it has its own meta and
   * partitions), or undefined for `stream`.
   *
   * @example
   * route: (event) => (event.event_type === 'raw' ? 'vkwire:raw' : undefined)
   */
  route?: (event: VkwireEvent) => string | undefined;
  /** The partition counts of the streams `route` returns; one not listed has `partitions`. */
  routedPartitions?: Readonly<Record<string, number>>;
  /**
   * Entries accepted and not yet acknowledged, at most: a publish that would pass it rejects at once
   * with `BusUnavailableError` (`max_buffered`). @default 100_000
   */
  maxBuffered?: number;
  /**
   * How long a publish waits for Redis to acknowledge (through reconnects), in ms; past it, it
   * rejects with `BusUnavailableError` (`max_wait`). @default 30_000
   */
  maxWaitMs?: number;
  /** Where outages are reported. @default the stderr logger of @vkwire/core */
  logger?: Logger;
}

/** Where one event of a publish went. */
export interface PublishedEntry {
  /** The event's `event_id`. */
  readonly eventId: string;
  /** The partition's stream key, e.g. `{vkwire:events:3}`. */
  readonly stream: string;
  /** The partition number. */
  readonly partition: number;
  /** The stream entry id; for a duplicate, the id of the entry written first. */
  readonly id: string;
  /** True when the event was already on the bus (dedupe) and nothing was written. */
  readonly duplicate: boolean;
}

/** What a publish did, once Redis acknowledged all of it. */
export interface PublishResult {
  /** One per event, in the order given. */
  readonly entries: readonly PublishedEntry[];
  /** How many entries were written. */
  readonly written: number;
  /** How many events were duplicates (already on the bus). */
  readonly duplicates: number;
}

/** Publishes normalized events to the bus. */
export interface Publisher {
  /**
   * Writes one event or several, each to its conversation's partition, and resolves once Redis
   * acknowledged every one. Through a Redis restart it waits and retries, within `maxWaitMs` and
   * `maxBuffered`.
   *
   * @throws {BusUnavailableError} Redis did not acknowledge within the bounds.
   * @throws {BusPartitionMismatchError} a routed bus has another partition count.
   * @throws {BusInvalidEventError} an input is not a normalized event (nothing was written).
   * @throws {BusClosedError} called after `close()`.
   */
  publish(events: VkwireEvent | readonly VkwireEvent[]): Promise<PublishResult>;
  /**
   * Waits until Redis answered every command of the publishes in flight, then closes the
   * connection it opened (yours stays open). During an outage that outlasts `maxWaitMs` the calls
   * have rejected, but their commands are still queued in node-redis: this resolves once Redis is
   * back and answered them.
   */
  close(): Promise<void>;
}

/**
 * One batch: entries of one partition, from the publish calls made while the partition's previous
 * batch was in flight (or in one event-loop turn), published by one command (a script call, or a
 * single XADD). Flat arrays, filled as calls come: no object per entry until the result.
 */
interface Batch {
  readonly stream: string;
  readonly key: string;
  readonly partition: number;
  /** The command's keys: the stream, then (with dedupe) each entry's mark. */
  readonly keys: string[];
  /** The command's arguments: the script's leading ones, then five field values per entry. */
  readonly args: (string | number)[];
  readonly eventIds: string[];
  /** Where each entry's result goes: the entries array of its call, and the index in it. */
  readonly outs: PublishedEntry[][];
  readonly indexes: number[];
  /** The earliest deadline of the calls in it. */
  deadline: number;
  readonly done: Promise<void>;
  settle(error?: unknown): void;
}

/**
 * Connects to Redis, fixes (or checks) the bus's partition count, and returns a publisher.
 *
 * @throws {VkwireConfigError} a bad option.
 * @throws {BusPartitionMismatchError} the bus has another partition count.
 * @example
 * const publisher = await createPublisher({ redis: 'redis://127.0.0.1:6379' });
 * const { written, duplicates } = await publisher.publish(events);
 * await publisher.close();
 */
export async function createPublisher(options: PublisherOptions): Promise<Publisher> {
  const stream = checkStreamName(options.stream ?? 'vkwire:events', 'stream');
  const partitions = checkPartitions(COMPONENT, options.partitions ?? 16);
  const maxLen = optionalInteger(options.maxLen, 'maxLen', 1);
  const dedupe = options.dedupe ?? true;
  if (typeof dedupe !== 'boolean')
    throw new VkwireConfigError(COMPONENT, 'dedupe', 'a boolean', { got: dedupe });
  const dedupeTtlMs = optionalInteger(options.dedupeTtlMs, 'dedupeTtlMs', 1) ?? 86_400_000;
  const maxInFlight = optionalInteger(options.maxInFlight, 'maxInFlight', 1) ?? 1024;
  const maxBuffered = optionalInteger(options.maxBuffered, 'maxBuffered', 1) ?? 100_000;
  const maxWaitMs = optionalInteger(options.maxWaitMs, 'maxWaitMs', 0) ?? 30_000;
  const route = options.route;
  if (route !== undefined && typeof route !== 'function')
    throw new VkwireConfigError(COMPONENT, 'route', 'a function (event) => stream name | undefined', {
      got: route,
    });
  const routedPartitions = new Map<string, number>();
  for (const [name, count] of Object.entries(options.routedPartitions ?? {}))
    routedPartitions.set(checkStreamName(name, `routedPartitions`), checkPartitions(COMPONENT, count));
  const logger = options.logger ?? defaultLogger;

  const redis = await connectRedis(options.redis, COMPONENT);
  const slots = new Slots(maxInFlight);
  const metas = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  let buffered = 0;
  let closed = false;
  let outage = false;

  /** Runs `command` until Redis answers, retrying what may be retried, until `deadline`. */
  async function untilAcked<T>(command: () => Promise<T>, deadline: number, name: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await command();
        if (outage) {
          outage = false;
          logger.info({ stream }, 'redis-bridge publisher: Redis acknowledges again');
        }
        return reply;
      } catch (error) {
        if (!isRetriable(error)) throw error;
        if (Date.now() >= deadline)
          throw new BusUnavailableError(PUBLISH, name, 'max_wait', maxWaitMs, { cause: error });
        if (!outage) {
          outage = true;
          logger.warn(
            { stream, error: errorText(error) },
            'redis-bridge publisher: Redis unavailable, publish calls wait',
          );
        }
        const pause = Math.min(retryDelayMs(attempt), Math.max(0, deadline - Date.now()));
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  function ensureMeta(name: string, deadline: number): Promise<void> {
    let known = metas.get(name);
    if (known === undefined) {
      const count = routedPartitions.get(name) ?? partitions;
      known = untilAcked(() => ensureBusPartitions(redis, name, count, COMPONENT), deadline, name);
      metas.set(name, known);
      // A mismatch stays (the configuration is wrong); an outage is asked again next time.
      known.catch((error: unknown) => {
        if (!(error instanceof BusPartitionMismatchError)) metas.delete(name);
      });
    }
    return known;
  }

  function partitionsOf(name: string): number {
    return routedPartitions.get(name) ?? partitions;
  }

  async function runBatch(batch: Batch, deadline: number): Promise<void> {
    const count = batch.eventIds.length;
    // Without dedupe a lone entry is a plain XADD; otherwise one script call for the batch.
    const lone = !dedupe && count === 1;
    const send = lone
      ? () => redis.run(batch.key, xaddArgs(batch.key, maxLen, batch.args.slice(1) as unknown as EntryValues))
      : () => redis.script(dedupe ? PUBLISH_DEDUPE : PUBLISH_BATCH, batch.keys, batch.args);
    if (!slots.tryAcquire()) await slots.acquire();
    let reply: unknown;
    try {
      reply = await untilAcked(send, deadline, batch.stream);
    } finally {
      slots.release();
    }
    // Dedupe: a flag (1 written, 0 duplicate) and an id per entry; else the ids.
    const flat = (lone ? [reply] : reply) as readonly unknown[];
    for (let position = 0; position < count; position++) {
      const out = batch.outs[position] as PublishedEntry[];
      out[batch.indexes[position] as number] = {
        eventId: batch.eventIds[position] as string,
        stream: batch.key,
        partition: batch.partition,
        id: String(dedupe ? flat[2 * position + 1] : flat[position]),
        duplicate: dedupe && Number(flat[2 * position]) === 0,
      };
    }
  }

  /**
   * One lane per partition: its batches run one after another, so a batch retried through an
   * outage is never overtaken by a later one of the same conversation. The last queued batch is
   * open: publish calls add to it while the one before is in flight.
   */
  const lanes = new Map<string, { running: boolean; queue: Batch[] }>();

  function batchFor(name: string, key: string, partition: number, deadline: number): Batch {
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { running: false, queue: [] };
      lanes.set(key, lane);
      // Started on the next turn, so the publish calls of this turn share the batch.
      const started = lane;
      setImmediate(() => pump(key, started));
    }
    let batch = lane.queue[lane.queue.length - 1];
    if (batch === undefined || batch.eventIds.length >= MAX_SCRIPT_BATCH) {
      let settle!: (error?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(error));
      });
      // A call that gave up (max_wait) no longer listens; the batch still runs to its end.
      done.catch(() => undefined);
      batch = {
        stream: name,
        key,
        partition,
        keys: [key],
        args: dedupe ? [dedupeTtlMs, maxLen ?? ''] : [maxLen ?? ''],
        eventIds: [],
        outs: [],
        indexes: [],
        deadline,
        done,
        settle,
      };
      lane.queue.push(batch);
    } else if (deadline < batch.deadline) batch.deadline = deadline;
    return batch;
  }

  /** Runs the next batch of a lane, if it is idle; drops the lane when nothing is left. */
  function pump(key: string, lane: { running: boolean; queue: Batch[] }): void {
    if (lane.running) return;
    const batch = lane.queue.shift();
    if (batch === undefined) {
      lanes.delete(key);
      return;
    }
    lane.running = true;
    runBatch(batch, batch.deadline).then(
      () => {
        batch.settle();
        lane.running = false;
        pump(key, lane);
      },
      (error: unknown) => {
        batch.settle(error ?? new Error('publish failed'));
        lane.running = false;
        pump(key, lane);
      },
    );
  }

  /** The stream keys of a bus's partitions, built once. */
  const partitionKeys = new Map<string, readonly string[]>();
  function keysOf(name: string): readonly string[] {
    let keys = partitionKeys.get(name);
    if (keys === undefined) {
      const layout = { stream: name, partitions: partitionsOf(name) };
      keys = Array.from({ length: layout.partitions }, (_, n) => partitionKey(layout, n));
      partitionKeys.set(name, keys);
    }
    return keys;
  }

  async function publishAll(events: readonly VkwireEvent[], deadline: number): Promise<PublishResult> {
    for (let index = 0; index < events.length; index++) checkEvent(events[index], index, stream);
    // Routed buses get their meta checked before anything is queued (the main one's was at creation).
    let names: string[] | undefined;
    if (route !== undefined) {
      names = events.map((event, index) => {
        const routed = route(event);
        return routed === undefined ? stream : checkRoutedName(routed, stream, index);
      });
      for (const name of new Set(names)) if (name !== stream) await ensureMeta(name, deadline);
    }
    const entries = new Array<PublishedEntry>(events.length);
    const waits = new Set<Promise<void>>();
    for (let index = 0; index < events.length; index++) {
      const event = events[index] as VkwireEvent;
      const name = names === undefined ? stream : (names[index] as string);
      const keys = keysOf(name);
      const partition = partitionOf(event, keys.length);
      const key = keys[partition] as string;
      const batch = batchFor(name, key, partition, deadline);
      // The dedupe mark, as layout's seenKey names it: same hash tag as the stream.
      if (dedupe) batch.keys.push(`${key}:seen:${event.event_id}`);
      batch.args.push(
        event.event_id,
        event.event_type,
        event.peer === null ? '' : String(event.peer.bpid),
        SCHEMA_VERSION,
        serializeEvent(event),
      );
      batch.eventIds.push(event.event_id);
      batch.outs.push(entries);
      batch.indexes.push(index);
      waits.add(batch.done);
    }
    await Promise.all(waits);
    let written = 0;
    for (const entry of entries) if (!entry.duplicate) written++;
    return { entries, written, duplicates: events.length - written };
  }

  const ready = ensureMeta(stream, Date.now() + maxWaitMs);
  try {
    await ready;
  } catch (error) {
    await redis.close();
    throw error;
  }

  return {
    publish(input) {
      if (closed) return Promise.reject(new BusClosedError(PUBLISH, stream));
      const events: readonly VkwireEvent[] = Array.isArray(input) ? input : [input as VkwireEvent];
      if (events.length === 0) return Promise.resolve({ entries: [], written: 0, duplicates: 0 });
      if (buffered + events.length > maxBuffered)
        return Promise.reject(new BusUnavailableError(PUBLISH, stream, 'max_buffered', maxBuffered));
      buffered += events.length;
      const deadline = Date.now() + maxWaitMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bounded = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BusUnavailableError(PUBLISH, stream, 'max_wait', maxWaitMs)),
          maxWaitMs,
        );
      });
      const work = publishAll(events, deadline);
      const call = Promise.race([work, bounded]).finally(() => clearTimeout(timer));
      // The work goes on after a timeout (node-redis keeps the command until Redis is back): its
      // entries count against maxBuffered, and close() waits for it, until it ends.
      const ended = work.then(
        () => undefined,
        () => undefined,
      );
      running.add(ended);
      void ended.then(() => {
        running.delete(ended);
        buffered -= events.length;
      });
      return call;
    },
    async close() {
      if (closed) return;
      closed = true;
      // node-redis's close() would wait for a command queued during an outage without ever
      // sending it: wait here until every command was answered.
      await Promise.all([...running]);
      await redis.close();
    },
  };
}

function checkStreamName(name: unknown, option: string): string {
  if (typeof name !== 'string' || name === '' || /[{}]/.test(name))
    throw new VkwireConfigError(COMPONENT, option, 'a non-empty stream name without { or }', { got: name });
  return name;
}

function checkRoutedName(name: unknown, stream: string, index: number): string {
  if (typeof name !== 'string' || name === '' || /[{}]/.test(name))
    throw new BusInvalidEventError(
      PUBLISH,
      stream,
      index,
      `route returned ${JSON.stringify(name)}, not a stream name (non-empty, without { or })`,
    );
  return name;
}

function optionalInteger(value: unknown, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new VkwireConfigError(COMPONENT, option, `an integer ≥ ${min}`, { got: value });
  return value;
}

function checkEvent(event: unknown, index: number, stream: string): asserts event is VkwireEvent {
  const value = event as Partial<VkwireEvent> | null;
  if (typeof value !== 'object' || value === null)
    throw new BusInvalidEventError(PUBLISH, stream, index, `got ${value === null ? 'null' : typeof value}`);
  if (typeof value.event_id !== 'string' || value.event_id === '')
    throw new BusInvalidEventError(PUBLISH, stream, index, 'event_id must be a non-empty string');
  if (typeof value.event_type !== 'string')
    throw new BusInvalidEventError(PUBLISH, stream, index, 'event_type must be a string');
  if (typeof value.group_id !== 'number')
    throw new BusInvalidEventError(PUBLISH, stream, index, 'group_id must be a number');
}
