import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { inspect } from 'node:util';
import {
  defaultLogger,
  errorText,
  type Finished,
  type Logger,
  type StopResult,
  sleep,
  type UpdateSource,
  VkwireConfigError,
} from '@vkwire/core';
import { parseEvent, type VkwireEvent } from '@vkwire/events-schema';
import { connectRedis, type RedisHandle } from '../connection.js';
import { consumerPartitions } from './consumer-meta.js';
import type { BusContext, BusHandler, ConsumerOptions } from './consumer-options.js';
import { entriesOf, pendingOf, type StreamEntry, streamsOf } from './consumer-replies.js';
import { type DeadLetterReason, deadLetter } from './dead-letter.js';
import { conversationOf } from './layout.js';
import { PartitionLeases } from './partition-lease.js';

const COMPONENT = 'createConsumer';
const PENDING_PAGE = 100;

/**
 * One event handed out by `for await (const delivery of consumer)`. The loop body is the handler:
 * asking for the next delivery acks this one; `fail(error)` has it redelivered (and dead-lettered
 * after `maxDeliveries`). `ack()` acks it before the loop moves on (needed before calling `stop()`
 * inside the loop). A `break` or a throw stops the consumer and leaves the current one unacked.
 */
export interface BusDelivery {
  readonly event: VkwireEvent;
  readonly context: BusContext;
  /** Marks it handled: it is acked (the same as the loop moving on). */
  ack(): void;
  /** Marks it failed: it is redelivered later, or dead-lettered after `maxDeliveries`. */
  fail(error?: unknown): void;
}

interface Part {
  readonly n: number;
  readonly key: string;
  fence: number;
  state: 'recovering' | 'reading' | 'releasing';
  groupReady: boolean;
  /** Jobs of this partition queued or running in this process. */
  active: number;
  lost: boolean;
  /** Where recovery of the pending entries continues (exclusive id). */
  recoveredFrom: string;
}

interface Job {
  readonly part: Part;
  readonly entry: StreamEntry;
  readonly event: VkwireEvent;
  deliveries: number;
  controller?: AbortController;
  abandoned: boolean;
}

interface Conversation {
  readonly key: string;
  readonly jobs: Job[];
  running: boolean;
}

/** Stopping cut this delivery short: it stays pending, is neither retried nor dead-lettered. */
class StoppedDelivery extends Error {
  override readonly name = 'StoppedDelivery';
}

function positiveInt(value: unknown, option: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new VkwireConfigError(COMPONENT, option, `an integer ≥ ${min}`, { got: value });
  return value;
}

/**
 * The consumer side of the bus; see {@link createConsumer}.
 */
export class BusConsumer implements UpdateSource<VkwireEvent, BusContext>, AsyncIterable<BusDelivery> {
  /** This consumer's name in its group. */
  readonly name: string;
  /** Resolves when the consumer has ended (`{ reason: 'stopped' }` after `stop()`); never rejects. */
  readonly finished: Promise<Finished>;

  private readonly stream: string;
  private readonly group: string;
  private readonly concurrency: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly maxDeliveries: number;
  private readonly leaseMs: number;
  private readonly retryDelayMs: number;
  private readonly stopTimeoutMs: number;
  private readonly deadLetterMaxLen: number;
  private readonly dedupeTtlMs: number;
  private readonly buffer: number;
  private readonly logger: Logger;
  private handler: BusHandler | undefined;

  private redis: RedisHandle | undefined;
  private reader: RedisHandle | undefined;
  private readerId: number | undefined;
  private readerBlocked = false;
  /**
   * The partitions the read in flight covers. One of them is released only after that read
   * returned: what it brings is handled here, not left pending on a live member that the next
   * owner would wait `claimIdleMs` for.
   */
  private readonly inRead = new Set<Part>();
  private leases: PartitionLeases | undefined;
  private members = new Set<string>();
  private readonly parts = new Map<number, Part>();
  private readonly conversations = new Map<string, Conversation>();
  private readonly ready: Conversation[] = [];
  private readonly inProcess = new Set<string>();
  private readonly runningJobs = new Set<Job>();
  private readonly tasks = new Set<Promise<void>>();
  private queued = 0;

  private started = false;
  private stopping = false;
  private readonly stopController = new AbortController();
  private stopPromise: Promise<StopResult> | undefined;
  private readLoop: Promise<void> | undefined;
  private tickLoop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private resolveFinished!: (finished: Finished) => void;
  private idleWaiters: (() => void)[] = [];
  private iterator: DeliveryQueue | undefined;

  /** What `JSON.stringify` shows: which consumer this is, never its Redis URL (it may hold a password). */
  toJSON(): { name: string; stream: string; group: string; started: boolean; stopping: boolean } {
    return {
      name: this.name,
      stream: this.stream,
      group: this.group,
      started: this.started,
      stopping: this.stopping,
    };
  }

  /** What Node's `inspect` (`console.log`) shows: the same as {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `BusConsumer ${inspect(this.toJSON(), { breakLength: Number.POSITIVE_INFINITY })}`;
  }

  constructor(private readonly options: ConsumerOptions) {
    // Every command of the loops (a renewal per held partition at once) listens to it until sent.
    setMaxListeners(0, this.stopController.signal);
    if (typeof options !== 'object' || options === null)
      throw new VkwireConfigError(COMPONENT, 'options', 'an object', { got: options });
    if (typeof options.group !== 'string' || options.group === '')
      throw new VkwireConfigError(COMPONENT, 'group', 'a non-empty string', { got: options.group });
    this.stream = options.stream ?? 'vkwire:events';
    if (typeof this.stream !== 'string' || this.stream === '')
      throw new VkwireConfigError(COMPONENT, 'stream', 'a non-empty string', { got: options.stream });
    this.group = options.group;
    this.name = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    if (typeof this.name !== 'string' || this.name === '')
      throw new VkwireConfigError(COMPONENT, 'consumer', 'a non-empty string', { got: options.consumer });
    this.concurrency = positiveInt(options.concurrency, 'concurrency', 8);
    this.blockMs = positiveInt(options.blockMs, 'blockMs', 1000);
    this.claimIdleMs = positiveInt(options.claimIdleMs, 'claimIdleMs', 30_000, 0);
    this.maxDeliveries = positiveInt(options.maxDeliveries, 'maxDeliveries', 5);
    this.leaseMs = positiveInt(options.leaseMs, 'leaseMs', 10_000, 30);
    this.retryDelayMs = positiveInt(options.retryDelayMs, 'retryDelayMs', 1000, 0);
    this.stopTimeoutMs = positiveInt(options.stopTimeoutMs, 'stopTimeoutMs', 10_000, 0);
    this.deadLetterMaxLen = positiveInt(options.deadLetterMaxLen, 'deadLetterMaxLen', 100_000);
    this.dedupeTtlMs = positiveInt(options.dedupeTtlMs, 'dedupeTtlMs', 86_400_000);
    if (options.partitions !== undefined) positiveInt(options.partitions, 'partitions', 16);
    if (options.handler !== undefined && typeof options.handler !== 'function')
      throw new VkwireConfigError(COMPONENT, 'handler', 'a function', { got: options.handler });
    this.handler = options.handler;
    this.buffer = this.concurrency * 8;
    this.logger = options.logger ?? defaultLogger;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /**
   * Connects, joins the group's members and starts handing events to `handler` (or the `handler`
   * option). Rejects when Redis cannot be reached or the partition count does not match.
   */
  async start(handler?: BusHandler): Promise<void> {
    if (this.started) throw new Error(`${COMPONENT}: the consumer was already started`);
    const use = handler ?? this.handler;
    if (typeof use !== 'function')
      throw new VkwireConfigError(COMPONENT, 'handler', 'a function (option or start(handler))', {
        got: use,
      });
    this.handler = use;
    this.started = true;
    try {
      const redis = await connectRedis(this.options.redis, COMPONENT);
      this.redis = redis;
      const partitions = await consumerPartitions(redis, this.stream, this.options.partitions);
      if (!redis.cluster) {
        this.reader = await redis.blocking();
        this.readerId = Number(await this.reader.run(undefined, ['CLIENT', 'ID']));
      }
      this.leases = new PartitionLeases(redis, this.stream, this.group, this.name, partitions, this.leaseMs);
      // Announce this consumer, then give consumers started at the same moment time to announce
      // themselves too: the first one would otherwise take every partition and hand them back
      // only a heartbeat later.
      await this.leases.heartbeat();
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, Math.floor(this.leaseMs / 6))));
      await this.tick();
    } catch (error) {
      this.started = false;
      await this.reader?.close().catch(() => undefined);
      await this.redis?.close().catch(() => undefined);
      this.reader = undefined;
      this.redis = undefined;
      throw error;
    }
    if (this.stopping) return;
    this.tickLoop = this.runTicks();
    this.readLoop = this.runReads();
  }

  /**
   * Stops reading (a blocking read is cut), leaves queued events pending for the next owner, waits
   * for running handlers up to `stopTimeoutMs` (then aborts their signal: they are abandoned, not
   * acked), releases the partitions and leaves the group. Nothing is handled after it resolves.
   * While Redis is out of reach it does not wait for a reconnect: the reads and heartbeats waiting
   * to be sent are dropped at once, the goodbyes (releases, leaving) after 1 s (the leases then run
   * out by themselves).
   */
  stop(): Promise<StopResult> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  /**
   * Iterates the events instead of passing a handler: starts the consumer, and ends when it stops.
   *
   * @example
   * for await (const { event, context } of createConsumer({ redis, group: 'bots' })) {
   *   await handle(event); // the next turn of the loop acks it
   * }
   */
  [Symbol.asyncIterator](): AsyncIterator<BusDelivery> {
    if (this.iterator) throw new Error(`${COMPONENT}: a consumer can be iterated once`);
    const queue = new DeliveryQueue(this);
    this.iterator = queue;
    const starting = this.start((event, context) => queue.deliver(event, context));
    return queue.iterate(starting);
  }

  // —— lifecycle ——

  private async shutdown(): Promise<StopResult> {
    this.stopping = true;
    this.stopController.abort();
    this.iterator?.close();
    await farewell((signal) => this.unblock(signal));
    this.wake();
    await this.readLoop?.catch(() => undefined);
    await this.tickLoop?.catch(() => undefined);
    // Queued, not started: they stay pending (no ack) for the next owner.
    for (const conversation of this.conversations.values()) {
      const keep = conversation.running ? 1 : 0;
      for (const job of conversation.jobs.splice(keep)) this.forget(job);
    }
    this.ready.length = 0;
    let abandoned = 0;
    if (this.runningJobs.size > 0) {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.stopTimeoutMs);
      });
      const outcome = await Promise.race([idle, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        abandoned = this.runningJobs.size;
        for (const job of this.runningJobs) {
          job.abandoned = true;
          job.controller?.abort(new StoppedDelivery('the consumer stopped'));
        }
      }
    }
    if (abandoned === 0) await Promise.all([...this.tasks]);
    const leases = this.leases;
    if (leases && this.redis)
      await farewell(async (signal) => {
        await Promise.all(
          [...leases.held.keys()].map((n) => leases.release(n, signal).catch(() => undefined)),
        );
        await leases.leave(signal).catch(() => undefined);
      });
    await this.reader?.close().catch(() => undefined);
    await this.redis?.close().catch(() => undefined);
    this.resolveFinished({ reason: 'stopped' });
    return { abandoned };
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private waitForWake(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const previous = this.wakeUp;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        previous?.();
        done();
      };
    });
  }

  /** Cuts a blocking read short (CLIENT UNBLOCK from the other connection). */
  private async unblock(signal?: AbortSignal): Promise<void> {
    if (!this.readerBlocked || this.readerId === undefined || !this.redis) return;
    await this.redis.run(undefined, ['CLIENT', 'UNBLOCK', this.readerId], signal).catch(() => undefined);
  }

  // —— membership and leases ——

  private async runTicks(): Promise<void> {
    const every = Math.max(10, Math.floor(this.leaseMs / 3));
    while (!this.stopping) {
      await sleep(every, this.stopController.signal);
      if (this.stopping) break;
      try {
        await this.tick();
      } catch (error) {
        this.logger.warn(
          { err: error, stream: this.stream, group: this.group },
          'bus consumer: heartbeat failed',
        );
      }
    }
  }

  private async tick(): Promise<void> {
    const leases = this.leases;
    if (!leases) return;
    const signal = this.stopController.signal;
    this.members = new Set(await leases.heartbeat(signal));
    for (const n of await leases.renew(signal)) this.lose(n);
    const target = leases.target(this.members.size);
    const owned = [...this.parts.values()].filter((part) => part.state !== 'releasing');
    // Give back the extras (the newest first), once their queued events are handled; a blocking
    // read on one is cut short, so that it is let go of soon.
    const extras = owned.slice(target);
    for (const part of extras) part.state = 'releasing';
    if (extras.some((part) => this.inRead.has(part))) await this.unblock();
    for (const part of this.parts.values()) await this.releaseIfDrained(part);
    if (this.stopping || this.parts.size >= target) return;
    const gained = await leases.acquire(target, new Set(), signal);
    for (const n of gained) {
      this.parts.set(n, {
        n,
        key: `{${this.stream}:${n}}`,
        fence: leases.held.get(n) ?? 0,
        state: 'recovering',
        groupReady: false,
        active: 0,
        lost: false,
        recoveredFrom: '-',
      });
    }
    if (gained.length > 0) {
      this.logger.debug({ consumer: this.name, partitions: gained }, 'bus consumer: partitions taken');
      await this.unblock();
      this.wake();
    }
  }

  /** The lease of partition `n` was lost: stop reading it and drop its queued events (they stay pending). */
  private lose(n: number): void {
    const part = this.parts.get(n);
    if (!part) return;
    part.lost = true;
    this.parts.delete(n);
    this.logger.warn(
      { consumer: this.name, partition: n },
      'bus consumer: lease lost (Redis restarted, or this process stalled)',
    );
    for (const conversation of this.conversations.values()) {
      const head = conversation.running ? conversation.jobs[0] : undefined;
      const dropped = conversation.jobs.filter((job) => job.part === part && job !== head);
      if (dropped.length === 0) continue;
      for (const job of dropped) this.forget(job);
      conversation.jobs.splice(
        0,
        conversation.jobs.length,
        ...conversation.jobs.filter((job) => !dropped.includes(job)),
      );
      if (conversation.jobs.length === 0) this.dropConversation(conversation);
    }
  }

  private async releaseIfDrained(part: Part): Promise<void> {
    if (part.state !== 'releasing' || part.active > 0 || part.lost || this.inRead.has(part) || !this.leases)
      return;
    part.lost = true;
    if (this.parts.get(part.n) === part) this.parts.delete(part.n);
    await this.leases.release(part.n);
    this.logger.debug({ consumer: this.name, partition: part.n }, 'bus consumer: partition released');
  }

  // —— reading ——

  private async runReads(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.readOnce();
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof Error && error.message.startsWith('NOGROUP')) {
          for (const part of this.parts.values()) part.groupReady = false;
          continue;
        }
        failures += 1;
        this.logger.warn({ err: error, consumer: this.name }, 'bus consumer: read failed, retrying');
        await sleep(Math.min(2000, 50 * 2 ** Math.min(failures, 6)), this.stopController.signal);
        if (this.reader && !this.stopping)
          this.readerId = Number(
            await this.reader
              .run(undefined, ['CLIENT', 'ID'], this.stopController.signal)
              .catch(() => this.readerId),
          );
      }
    }
  }

  private async readOnce(): Promise<void> {
    const redis = this.redis as RedisHandle;
    for (const part of this.parts.values()) {
      if (!part.groupReady) {
        await this.createGroup(part);
        part.groupReady = true;
      }
      if (part.state === 'recovering') await this.recover(part);
    }
    if (this.stopping) return;
    if (this.queued > this.buffer / 2) {
      await this.waitForWake(this.blockMs);
      return;
    }
    const readable = [...this.parts.values()].filter((part) => part.state === 'reading');
    if (readable.length === 0) {
      await this.waitForWake(Math.min(this.blockMs, Math.max(10, Math.floor(this.leaseMs / 3))));
      return;
    }
    const count = Math.max(1, Math.ceil((this.buffer - this.queued) / readable.length));
    const head = ['XREADGROUP', 'GROUP', this.group, this.name, 'COUNT', count];
    if (this.reader) {
      const args = [
        ...head,
        'BLOCK',
        this.blockMs,
        'STREAMS',
        ...readable.map((p) => p.key),
        ...readable.map(() => '>'),
      ];
      this.readerBlocked = true;
      for (const part of readable) this.inRead.add(part);
      let reply: unknown;
      try {
        reply = await this.reader.run(readable[0]?.key, args, this.stopController.signal);
        for (const [key, entries] of streamsOf(reply)) {
          const part = readable.find((p) => p.key === key);
          if (part) for (const entry of entries) this.dispatch(part, entry, 1);
        }
      } finally {
        this.readerBlocked = false;
        this.readDone(readable);
      }
      return;
    }
    // A Cluster: partitions live in different slots, so one multi-stream read is impossible; poll each.
    let got = 0;
    for (const part of readable) {
      this.inRead.add(part);
      try {
        const reply = await redis.run(
          part.key,
          [...head, 'STREAMS', part.key, '>'],
          this.stopController.signal,
        );
        for (const [, entries] of streamsOf(reply)) {
          for (const entry of entries) this.dispatch(part, entry, 1);
          got += entries.length;
        }
      } finally {
        this.readDone([part]);
      }
    }
    if (got === 0) await this.waitForWake(Math.min(this.blockMs, 50));
  }

  /** A read of `parts` returned (its entries dispatched): a partition waiting for it may go now. */
  private readDone(parts: readonly Part[]): void {
    for (const part of parts) {
      this.inRead.delete(part);
      void this.releaseIfDrained(part).catch(() => undefined);
    }
  }

  private async createGroup(part: Part): Promise<void> {
    try {
      // From 0: a group made by the first consumer reads what was published before it existed.
      await this.redis?.run(
        part.key,
        ['XGROUP', 'CREATE', part.key, this.group, '0', 'MKSTREAM'],
        this.stopController.signal,
      );
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('BUSYGROUP'))) throw error;
    }
  }

  /**
   * A new owner first takes over the partition's pending entries, in id order, before reading new
   * ones, so a conversation's order holds across the takeover. Entries of a consumer that is still a
   * live member are claimed only once idle for `claimIdleMs`; until then the partition waits.
   */
  private async recover(part: Part): Promise<void> {
    const redis = this.redis as RedisHandle;
    for (;;) {
      const rows = pendingOf(
        await redis.run(
          part.key,
          ['XPENDING', part.key, this.group, part.recoveredFrom, '+', PENDING_PAGE],
          this.stopController.signal,
        ),
      ).filter((row) => !this.inProcess.has(`${part.n}:${row.id}`));
      if (rows.length === 0) {
        part.state = 'reading';
        return;
      }
      const blocked = rows.findIndex(
        (row) =>
          row.consumer !== this.name && this.members.has(row.consumer) && row.idleMs < this.claimIdleMs,
      );
      const claimable = blocked === -1 ? rows : rows.slice(0, blocked);
      if (claimable.length > 0) {
        const claimed = entriesOf(
          await redis.run(
            part.key,
            ['XCLAIM', part.key, this.group, this.name, 0, ...claimable.map((row) => row.id)],
            this.stopController.signal,
          ),
        );
        const counts = new Map(claimable.map((row) => [row.id, row.deliveries + 1]));
        for (const entry of claimed) this.dispatch(part, entry, counts.get(entry.id) ?? 1);
        part.recoveredFrom = `(${claimable[claimable.length - 1]?.id}`;
      }
      if (blocked !== -1) return;
    }
  }

  // —— scheduling ——

  private dispatch(part: Part, entry: StreamEntry, deliveries: number): void {
    let event: VkwireEvent;
    try {
      event = parseEvent(entry.fields.data ?? '');
    } catch (error) {
      const reason = entry.fields.data === undefined ? 'the entry has no `data` field' : errorText(error);
      this.track(part, this.bury(part, entry, 'bad_input', `not a vkwire event: ${reason}`, deliveries));
      return;
    }
    const job: Job = { part, entry, event, deliveries, abandoned: false };
    const key = conversationOf(event);
    let conversation = this.conversations.get(key);
    if (!conversation) {
      conversation = { key, jobs: [], running: false };
      this.conversations.set(key, conversation);
    }
    conversation.jobs.push(job);
    part.active += 1;
    this.queued += 1;
    this.inProcess.add(`${part.n}:${entry.id}`);
    if (!conversation.running && conversation.jobs.length === 1) this.ready.push(conversation);
    this.pump();
  }

  private track(part: Part, task: Promise<void>): void {
    part.active += 1;
    const tracked = task
      .catch((error) =>
        this.logger.error({ err: error, consumer: this.name }, 'bus consumer: internal error'),
      )
      .finally(() => {
        part.active -= 1;
        this.tasks.delete(tracked);
        void this.releaseIfDrained(part).catch(() => undefined);
      });
    this.tasks.add(tracked);
  }

  private pump(): void {
    while (!this.stopping && this.runningJobs.size < this.concurrency && this.ready.length > 0) {
      const conversation = this.ready.shift() as Conversation;
      const job = conversation.jobs[0];
      if (!job) {
        this.dropConversation(conversation);
        continue;
      }
      conversation.running = true;
      this.runningJobs.add(job);
      const task = this.handle(job)
        .catch((error) =>
          this.logger.error({ err: error, consumer: this.name }, 'bus consumer: internal error'),
        )
        .finally(() => {
          this.runningJobs.delete(job);
          this.tasks.delete(task);
          conversation.running = false;
          if (conversation.jobs[0] === job) conversation.jobs.shift();
          this.forget(job);
          if (conversation.jobs.length > 0 && !this.stopping) this.ready.push(conversation);
          else if (conversation.jobs.length === 0) this.dropConversation(conversation);
          if (this.runningJobs.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
          void this.releaseIfDrained(job.part).catch(() => undefined);
          if (this.queued <= this.buffer / 2) this.wake();
          this.pump();
        });
      this.tasks.add(task);
    }
  }

  private forget(job: Job): void {
    job.part.active -= 1;
    this.queued -= 1;
    this.inProcess.delete(`${job.part.n}:${job.entry.id}`);
  }

  private dropConversation(conversation: Conversation): void {
    if (
      this.conversations.get(conversation.key) === conversation &&
      conversation.jobs.length === 0 &&
      !conversation.running
    )
      this.conversations.delete(conversation.key);
    const index = this.ready.indexOf(conversation);
    if (index !== -1 && conversation.jobs.length === 0) this.ready.splice(index, 1);
  }

  // —— handling one entry ——

  private async handle(job: Job): Promise<void> {
    const { part, entry, event } = job;
    let lastError: string | undefined;
    let delay = this.retryDelayMs;
    for (;;) {
      if (part.lost) return;
      if (job.deliveries > this.maxDeliveries) {
        const recorded = lastError ?? (await this.recordedError(part, entry.id));
        const why =
          recorded ??
          `delivered ${job.deliveries - 1} times without an acknowledgement (its consumer died or stalled while handling it)`;
        await this.bury(part, entry, 'max_deliveries', why, job.deliveries - 1);
        await this.forgetError(part, entry.id);
        return;
      }
      const error = await this.attempt(job);
      if (job.abandoned) return;
      if (error === undefined) {
        await this.ack(part, entry.id);
        if (lastError !== undefined || job.deliveries > 1) await this.forgetError(part, entry.id);
        return;
      }
      if (error instanceof StoppedDelivery) return;
      lastError = errorText(error);
      await this.recordError(part, entry.id, lastError);
      this.logger.warn(
        {
          err: error,
          consumer: this.name,
          partition: part.n,
          entryId: entry.id,
          eventId: event.event_id,
          deliveries: job.deliveries,
        },
        'bus consumer: handler failed',
      );
      if (job.deliveries >= this.maxDeliveries) {
        await this.bury(part, entry, 'max_deliveries', lastError, job.deliveries);
        await this.forgetError(part, entry.id);
        return;
      }
      await sleep(delay, this.stopController.signal);
      delay = Math.min(30_000, Math.max(1, delay * 2));
      // Stopping or losing the partition leaves it pending: the next owner delivers it again.
      if (this.stopping || part.lost) return;
      // XCLAIM to ourselves counts the redelivery in Redis, so the count survives a crash.
      const again = entriesOf(
        await (this.redis as RedisHandle).run(part.key, [
          'XCLAIM',
          part.key,
          this.group,
          this.name,
          0,
          entry.id,
        ]),
      );
      if (again.length === 0) return; // trimmed away, or the group is gone (Redis lost its data)
      job.deliveries += 1;
    }
  }

  // A failing entry's last error is kept in Redis (beside the partition, in its slot), so a consumer
  // that takes the entry over from a dead one can still dead-letter it with the real reason.

  private errorsKey(part: { key: string }): string {
    return `${part.key}:errors:${this.group}`;
  }

  private async recordError(part: { key: string }, entryId: string, error: string): Promise<void> {
    const key = this.errorsKey(part);
    const redis = this.redis as RedisHandle;
    await redis.run(key, ['HSET', key, entryId, error.slice(0, 2000)]).catch(() => undefined);
    await redis.run(key, ['PEXPIRE', key, 7 * 24 * 3600 * 1000]).catch(() => undefined);
  }

  private async recordedError(part: { key: string }, entryId: string): Promise<string | undefined> {
    const key = this.errorsKey(part);
    const value = await (this.redis as RedisHandle).run(key, ['HGET', key, entryId]).catch(() => null);
    return typeof value === 'string' ? value : undefined;
  }

  private async forgetError(part: { key: string }, entryId: string): Promise<void> {
    const key = this.errorsKey(part);
    await (this.redis as RedisHandle).run(key, ['HDEL', key, entryId]).catch(() => undefined);
  }

  /** Runs the handler once; answers its error, or undefined on success. */
  private async attempt(job: Job): Promise<unknown> {
    const { part, entry, event } = job;
    const dedupe = this.options.dedupe;
    const dedupeKey = `${this.stream}:${this.group}:${event.event_id}`;
    let owner: string | undefined;
    if (dedupe) {
      const claim = await dedupe.claim(dedupeKey, this.claimIdleMs || this.leaseMs);
      if (claim.state === 'done') return undefined;
      if (claim.state === 'in_progress')
        return new Error(`event ${event.event_id} is being handled by another consumer`);
      owner = claim.owner;
    }
    const controller = new AbortController();
    job.controller = controller;
    const context: BusContext = {
      transport: 'bus',
      signal: controller.signal,
      groupId: event.group_id,
      eventId: event.event_id,
      retryCounter: job.deliveries - 1,
      stream: part.key,
      partition: part.n,
      entryId: entry.id,
      deliveries: job.deliveries,
      fence: part.fence,
    };
    try {
      await (this.handler as BusHandler)(event, context);
    } catch (error) {
      if (dedupe && owner !== undefined)
        await Promise.resolve(dedupe.release(dedupeKey, owner)).catch(() => undefined);
      return error ?? new Error('the handler threw nothing');
    }
    if (dedupe && owner !== undefined && !job.abandoned)
      await Promise.resolve(dedupe.complete(dedupeKey, owner, this.dedupeTtlMs)).catch((error: unknown) =>
        this.logger.warn({ err: error, eventId: event.event_id }, 'bus consumer: dedupe mark failed'),
      );
    return undefined;
  }

  private async ack(part: Part, id: string): Promise<void> {
    try {
      await (this.redis as RedisHandle).run(part.key, ['XACK', part.key, this.group, id]);
    } catch (error) {
      // It stays pending and is delivered again: at least once, never lost.
      this.logger.warn({ err: error, partition: part.n, entryId: id }, 'bus consumer: ack failed');
    }
  }

  private async bury(
    part: Part,
    entry: StreamEntry,
    reason: DeadLetterReason,
    error: string,
    deliveries: number,
  ): Promise<void> {
    this.logger.warn(
      { consumer: this.name, partition: part.n, entryId: entry.id, reason, error },
      'bus consumer: entry dead-lettered',
    );
    await deadLetter(
      this.redis as RedisHandle,
      this.stream,
      {
        source: part.key,
        id: entry.id,
        fields: entry.fields,
        group: this.group,
        consumer: this.name,
        reason,
        error,
        deliveries,
      },
      this.deadLetterMaxLen,
    );
    await this.ack(part, entry.id);
  }

  /** @internal whether stop() has begun */
  get isStopping(): boolean {
    return this.stopping;
  }
}

/** Hands the consumer's deliveries to a `for await` loop, one at a time. */
class DeliveryQueue {
  private readonly waiting: { delivery: BusDelivery; settle: (error?: unknown) => void }[] = [];
  private takers: ((result: IteratorResult<BusDelivery>) => void)[] = [];
  private current: { settle: (error?: unknown) => void } | undefined;
  private closed = false;

  constructor(private readonly consumer: BusConsumer) {}

  deliver(event: VkwireEvent, context: BusContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        if (error === undefined) resolve();
        else reject(error);
      };
      if (this.closed) return settle(new StoppedDelivery('the consumer stopped'));
      const delivery: BusDelivery = {
        event,
        context,
        ack: () => settle(),
        fail: (error?: unknown) => settle(error ?? new Error('failed by the loop')),
      };
      context.signal.addEventListener('abort', () => settle(new StoppedDelivery('the consumer stopped')), {
        once: true,
      });
      const taker = this.takers.shift();
      if (taker) {
        this.current = { settle };
        taker({ value: delivery, done: false });
      } else this.waiting.push({ delivery, settle });
    });
  }

  close(): void {
    this.closed = true;
    for (const item of this.waiting.splice(0)) item.settle(new StoppedDelivery('the consumer stopped'));
    for (const taker of this.takers.splice(0)) taker({ value: undefined, done: true });
  }

  iterate(starting: Promise<void>): AsyncIterator<BusDelivery> {
    let start: Promise<void> | undefined = starting;
    return {
      next: async () => {
        if (start) {
          const pending = start;
          start = undefined;
          await pending;
        }
        // Asking for the next one means the loop body finished the previous one without throwing.
        this.current?.settle();
        this.current = undefined;
        const next = this.waiting.shift();
        if (next) {
          this.current = { settle: next.settle };
          return { value: next.delivery, done: false };
        }
        if (this.closed || this.consumer.isStopping) return { value: undefined, done: true };
        return new Promise((resolve) => this.takers.push(resolve));
      },
      return: async () => {
        this.current?.settle(new StoppedDelivery('the loop ended'));
        this.current = undefined;
        await this.consumer.stop();
        return { value: undefined, done: true };
      },
    };
  }
}

/**
 * Consumes the bus: events published to `stream`'s partitions are handed to `handler`, awaited, and
 * acked only once it succeeded. Each event is handled once per `group` (at least once: a crash
 * between handling and ack redelivers it; pass `dedupe` to skip those). Events of one conversation
 * are handled one at a time and in order across every process of the group (each partition is read
 * by one live consumer at a time, under a renewed lease); different conversations run in parallel up
 * to `concurrency`. A failing event is redelivered and, after `maxDeliveries`, moved to
 * `<stream>:dead` with its last error; an entry that is not a vkwire event goes there at once.
 *
 * @example
 * const consumer = createConsumer({
 *   redis: 'redis://127.0.0.1:6379',
 *   group: 'bots',
 *   handler: (event) => bot.handleUpdate(event.raw as VkParsedUpdate),
 * });
 * await consumer.start();
 * process.once('SIGTERM', () => void consumer.stop());
 */
export function createConsumer(options: ConsumerOptions): BusConsumer {
  return new BusConsumer(options);
}

/**
 * How long stop()'s goodbyes to Redis (cutting the blocking read, releasing the leases, leaving the
 * members) may wait to be sent: on a live connection they go at once; while Redis is out of reach
 * they are dropped past it (the leases then run out by themselves), so stop() does not wait for a
 * reconnect.
 */
const FAREWELL_MS = 1000;

/** Runs `goodbye` with a signal that drops its commands still unsent after {@link FAREWELL_MS}. */
async function farewell(goodbye: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  // A release per held partition (up to 16) listens to it at once until sent.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(), FAREWELL_MS);
  try {
    await goodbye(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
