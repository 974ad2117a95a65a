import type { Logger, VkApi } from '@vkwire/api-client';
import type { VkEventType, VkParsedUpdate, VkUpdateOf } from '@vkwire/events-schema';
import { BotsLongPollSource } from './bots-source.js';
import { type LongPollGap, PollEngine } from './engine.js';
import { LongPollHttp } from './http.js';
import { type EnsureSettingsResult, ensureLongPollSettings } from './settings.js';

/** Options of `new GroupLongPoll(...)`. Only `api` is required. */
export interface GroupLongPollOptions {
  /** A community token's client. */
  api: VkApi;
  /** The community. @default detected from the token (`api.tokenInfo()`) */
  groupId?: number;
  /** Seconds VK holds a request (at most 90). @default 25 */
  wait?: number;
  /** The ts to start from (a saved checkpoint). @default the server's current ts */
  ts?: string;
  /** Stops the poll when aborted. */
  signal?: AbortSignal;
  /** Handlers running at once; updates of one conversation never run at once. @default 64 */
  concurrency?: number;
  /** Updates held (running and waiting) before the poll waits for handlers. @default concurrency × 4 */
  queueLimit?: number;
  /** How long `stop()` waits for running handlers. @default 10000 */
  stopTimeoutMs?: number;
  /** Check each update against events-schema (off only for trusted input). @default true */
  validate?: boolean;
  /**
   * Before starting, make the community's Long Poll deliver what the handlers need: `true` enables
   * Bots Long Poll at API 5.199 with exactly the handled event types; `false` only checks and warns.
   * @default false
   */
  ensureSettings?: boolean;
  /** Called with a ts once every update up to it has been handled: save it, restart from it. */
  onCheckpoint?: (ts: string) => void | Promise<void>;
  /** Called when VK says events may be lost (`failed: 3`, or `failed: 1` with a jump). */
  onGap?: (gap: LongPollGap) => void;
  /** A handler threw or rejected, an update was malformed, or the poll met a repeated fault. @default log it */
  onError?: (error: unknown, update?: VkParsedUpdate) => void;
  /** Retry delays of transport faults after the first (which is retried at once). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
  logger?: Logger;
}

/** A handler of one update. */
export type UpdateHandler<U> = (update: U) => void | Promise<void>;

const noop = (): void => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * A Bots Long Poll client: every handler awaited, concurrency bounded and ordered per
 * conversation, `failed` 1/2/3 handled as VK says, checkpoints after handling, a `stop()` that
 * aborts the held request and waits for running handlers.
 *
 * @example
 * const poll = new GroupLongPoll({ api, onCheckpoint: (ts) => store.save(ts) });
 * poll.on('message_new', async ({ object }) => {
 *   if (object.message.text === 'ping') await api.messages.send({ peer_id: object.message.peer_id, message: 'pong' });
 * });
 * await poll.start();
 * // ...
 * await poll.stop();
 *
 * @example
 * for await (const update of new GroupLongPoll({ api })) console.log(update.type);
 */
export class GroupLongPoll {
  private readonly handlers: Array<{ type: string | undefined; handler: UpdateHandler<VkParsedUpdate> }> = [];
  private readonly http = new LongPollHttp();
  private engine: PollEngine<VkParsedUpdate> | undefined;
  private groupId: number | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: GroupLongPollOptions) {
    if (options.wait !== undefined && (options.wait < 0 || options.wait > 90))
      throw new RangeError('GroupLongPoll: wait is 0..90 seconds');
    this.logger = options.logger ?? silent;
    this.groupId = options.groupId;
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** Handles every update (typed by `type`; narrow with `isUpdateOf` or a check on `type`). */
  on(handler: UpdateHandler<VkParsedUpdate>): this;
  /** Handles updates of one type, typed from the event map. */
  on<Type extends VkEventType>(type: Type, handler: UpdateHandler<VkUpdateOf<Type>>): this;
  on(typeOrHandler: string | UpdateHandler<VkParsedUpdate>, handler?: UpdateHandler<never>): this {
    if (typeof typeOrHandler === 'function') this.handlers.push({ type: undefined, handler: typeOrHandler });
    else if (handler)
      this.handlers.push({ type: typeOrHandler, handler: handler as UpdateHandler<VkParsedUpdate> });
    return this;
  }

  /** The ts of the next request (save `onCheckpoint`'s value instead to restart safely). */
  get ts(): string | undefined {
    return this.engine?.currentTs;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.engine?.inFlight ?? 0;
  }

  /**
   * Connects and starts polling in the background; rejects when the poll cannot start (Long Poll
   * disabled, a bad token, a user token).
   */
  async start(): Promise<void> {
    if (this.engine) throw new Error('GroupLongPoll: already started');
    this.engine = this.createEngine((update) => this.dispatch(update));
    await this.prepare();
    await this.engine.start();
  }

  /** Aborts the held request, lets running handlers finish (up to `stopTimeoutMs`), then resolves. */
  async stop(): Promise<void> {
    await this.engine?.stop();
    await this.http.close();
  }

  /** Pulls updates one at a time: the next request waits until the loop body asks for more. */
  async *[Symbol.asyncIterator](): AsyncGenerator<VkParsedUpdate> {
    if (this.engine) throw new Error('GroupLongPoll: already started');
    const channel = new HandOff<VkParsedUpdate>();
    this.engine = this.createEngine((update) => channel.give(update), 1);
    await this.prepare();
    await this.engine.start();
    try {
      for (;;) yield await channel.take();
    } finally {
      channel.close();
      await this.stop();
    }
  }

  /** Checks (and with `ensureSettings`, fixes) the community's Long Poll settings. */
  private async prepare(): Promise<EnsureSettingsResult | undefined> {
    // A catch-all handler, a `for await` loop, or no handler yet: every type is wanted.
    const typed = this.handlers.length > 0 && this.handlers.every((entry) => entry.type !== undefined);
    const types = typed ? [...new Set(this.handlers.map((entry) => entry.type as string))] : undefined;
    const result = await ensureLongPollSettings(this.options.api, await this.resolveGroupId(), {
      types,
      apply: this.options.ensureSettings ?? false,
    }).catch((error: unknown) => {
      // Reading settings needs the manage right; without it the poll can still run.
      this.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'could not read Long Poll settings',
      );
      return undefined;
    });
    for (const warning of result?.warnings ?? []) this.logger.warn({ warning }, warning);
    return result;
  }

  private async resolveGroupId(): Promise<number> {
    if (this.groupId !== undefined) return this.groupId;
    const info = await this.options.api.tokenInfo();
    if (info.type !== 'group')
      throw new TypeError('GroupLongPoll needs a community token (or pass groupId with an admin user token)');
    this.groupId = info.groupId;
    return info.groupId;
  }

  private createEngine(
    handle: (update: VkParsedUpdate) => Promise<void> | void,
    concurrency?: number,
  ): PollEngine<VkParsedUpdate> {
    const limit = concurrency ?? this.options.concurrency ?? 64;
    const onError =
      this.options.onError ??
      ((error: unknown, update?: VkParsedUpdate) =>
        this.logger.error(
          {
            error: error instanceof Error ? error.message : String(error),
            type: update?.type,
            eventId: update?.event_id,
          },
          'long poll error',
        ));
    return new PollEngine<VkParsedUpdate>({
      source: new BotsLongPollSource({
        api: this.options.api,
        groupId: () => this.resolveGroupId(),
        wait: this.options.wait ?? 25,
        validate: this.options.validate ?? true,
        http: this.http,
      }),
      handle,
      ts: this.options.ts,
      concurrency: limit,
      queueLimit: this.options.queueLimit ?? Math.max(limit * 4, 100),
      stopTimeoutMs: this.options.stopTimeoutMs ?? 10_000,
      retry: {
        baseDelayMs: this.options.retry?.baseDelayMs ?? 100,
        maxDelayMs: this.options.retry?.maxDelayMs ?? 5000,
      },
      onCheckpoint: this.options.onCheckpoint,
      onGap:
        this.options.onGap ??
        ((gap) => this.logger.warn({ ...gap }, 'long poll: VK says events may be lost')),
      onError,
      logger: this.logger,
    });
  }

  /** Runs the matching handlers of an update in registration order. */
  private async dispatch(update: VkParsedUpdate): Promise<void> {
    for (const { type, handler } of this.handlers) {
      if (type === undefined || type === update.type) await handler(update);
    }
  }
}

/**
 * One update at a time from the poll to a `for await` loop. The poll's handler (concurrency 1)
 * resolves only when the loop asks for the next update, so the update counts as handled then.
 */
class HandOff<T> {
  private current: { value: T; done: () => void } | undefined;
  private queued: { value: T; done: () => void } | undefined;
  private waiter: ((value: T) => void) | undefined;
  private closed = false;

  give(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((done) => {
      const item = { value, done };
      const waiter = this.waiter;
      if (waiter) {
        this.waiter = undefined;
        this.current = item;
        waiter(value);
      } else {
        this.queued = item;
      }
    });
  }

  take(): Promise<T> {
    // Asking for the next update means the previous one is handled.
    this.current?.done();
    this.current = undefined;
    const queued = this.queued;
    if (queued) {
      this.queued = undefined;
      this.current = queued;
      return Promise.resolve(queued.value);
    }
    return new Promise<T>((resolve) => {
      this.waiter = resolve;
    });
  }

  close(): void {
    this.closed = true;
    this.current?.done();
    this.queued?.done();
    this.current = undefined;
    this.queued = undefined;
  }
}
