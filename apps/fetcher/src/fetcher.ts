import { VkApi, VkApiError } from '@vkwire/api-client';
import type { Logger } from '@vkwire/core';
import type { VkNameResolver } from '@vkwire/events-schema';
import {
  createPublisher,
  type Publisher,
  RedisCheckpointStore,
  RedisLease,
  RedisRateLimiter,
} from '@vkwire/redis-bridge';
import { createClient, type RedisClientType } from 'redis';
import { CommunityPoller } from './community.js';
import { FleetShare } from './fleet.js';
import type { Readiness } from './http.js';
import { type FetcherObserver, silentObserver } from './observer.js';
import { withinMs } from './sleep.js';

/**
 * How long the parts may take to close at stop, all together, before what is left is cut: after
 * the pollers' stop (`POLL_STOP_TIMEOUT_MS`, the lease release) and the fleet's, within the 10 s
 * the service has to exit.
 */
const CLOSE_ALL_MS = 1500;

/**
 * How long a Redis command may wait to be sent: node-redis rejects one still unsent then (the
 * connection down or reconnecting), and the publisher and the lease loop retry. It does not bound
 * the wait for a reply: against a Redis that accepts the connection but stops answering (checked
 * with a SIGSTOPped redis-server) a sent command waits until Redis answers again, and so do the
 * polls behind it — nothing is lost or published twice, the service just pauses with Redis.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 5000;

/** Redis's answer to a refused password or user (AUTH / HELLO): a configuration error. */
const REDIS_AUTH_REFUSED = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/** The longest delay a timer takes (about 24.8 days): "until it is done" for a publish call. */
const TIMER_MAX_MS = 2_147_483_647;

/** What the service runs with (the environment, parsed). */
export interface FetcherOptions {
  /** One community token per community. */
  tokens: readonly string[];
  /** The community of the single token, when given (otherwise detected from the token). */
  groupId?: number;
  /** Where Redis is. */
  redisUrl: string;
  /** VK's API base ending in `/method` (a sandbox's `apiUrl` runs the service offline). @default VK's */
  apiBaseUrl?: string;
  /** The bus's base stream name. */
  stream: string;
  /** The bus's partition count. */
  partitions: number;
  /** Entries kept per partition, about (`XADD MAXLEN ~`); 0 or unset keeps all. */
  maxLen?: number;
  /** How long an event's dedupe mark lives, in ms. @default the publisher's (24 h) */
  dedupeTtlMs?: number;
  /** Prefixes that make a message a command. */
  prefixes: readonly string[];
  /** Seconds VK holds a Long Poll request. */
  wait: number;
  /** Lease term of a community's poller, in ms. */
  leaseMs: number;
  /** Prefix of the lease, checkpoint and rate-limit keys in Redis. @default 'vkwire:' */
  keyPrefix?: string;
  logger: Logger;
  /** Where counts go (metrics). @default nothing */
  observer?: FetcherObserver;
  /** Supplies the names of events, per community API client; closed at stop when it can be. */
  resolver: (api: VkApi) => VkNameResolver & { close?(): Promise<void> | void };
}

/**
 * The event-fetcher: for each community token, one {@link CommunityPoller} that polls the
 * community while it holds its lease (one poller in the fleet) and stands by otherwise, all sharing
 * one Redis connection, one publisher, one rate limiter per token, one lease and checkpoint store.
 *
 * @example
 * const fetcher = new Fetcher({ tokens: [token], redisUrl, stream: 'vkwire:events', partitions: 16, prefixes: ['/'], wait: 25, leaseMs: 10_000, logger, resolver: (api) => createApiNameResolver({ api }) });
 * fetcher.start();
 * const ended = await Promise.race([fetcher.failed, signalled]);
 * await fetcher.stop();
 */
export class Fetcher {
  /** Resolves with the first error no retry can fix (a refused token, no access); never rejects. */
  readonly failed: Promise<Error>;
  readonly #client: RedisClientType;
  readonly #apis: VkApi[];
  readonly #publisher: Publisher;
  readonly #lease: RedisLease;
  readonly #checkpoints: RedisCheckpointStore;
  readonly #limiter: RedisRateLimiter;
  readonly #pollers: CommunityPoller[];
  readonly #fleet: FleetShare;
  readonly #resolvers: (VkNameResolver & { close?(): Promise<void> | void })[];
  #fail: (error: Error) => void = () => {};
  readonly #openPublisher: () => Promise<Publisher>;
  #stopping: Promise<void> | undefined;
  #started = false;
  #connecting: Promise<unknown> | undefined;

  constructor(private readonly options: FetcherOptions) {
    const { logger } = options;
    const observer = options.observer ?? silentObserver;
    this.failed = new Promise((resolve) => {
      this.#fail = resolve;
    });
    let redisDown = false;
    this.#client = createClient({
      url: options.redisUrl,
      commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
    }) as RedisClientType;
    this.#client.on('error', (error: unknown) => {
      // node-redis would retry a refused password or user for ever: no retry fixes it.
      const message = error instanceof Error ? error.message : String(error);
      if (REDIS_AUTH_REFUSED.test(message))
        this.#fail(
          new Error(
            `fetcher: Redis refused the connection (${message}); check the user and password in REDIS_URL`,
            { cause: error },
          ),
        );
      if (redisDown) return;
      redisDown = true;
      logger.warn({ err: error }, 'fetcher: Redis unreachable; retrying (polling waits for it)');
    });
    this.#client.on('ready', () => {
      if (redisDown) logger.info({}, 'fetcher: Redis is reachable again');
      redisDown = false;
    });
    const prefix = options.keyPrefix ?? 'vkwire:';
    this.#limiter = new RedisRateLimiter({ redis: this.#client, prefix });
    this.#lease = new RedisLease({ redis: this.#client, prefix });
    this.#checkpoints = new RedisCheckpointStore({ redis: this.#client, prefix });
    // Created at start(), once the client connects (its commands wait for the connection then).
    let publisher: Promise<Publisher> | undefined;
    this.#openPublisher = () => {
      publisher ??= createPublisher({
        redis: this.#client,
        stream: options.stream,
        partitions: options.partitions,
        ...(options.maxLen ? { maxLen: options.maxLen } : {}),
        ...(options.dedupeTtlMs !== undefined ? { dedupeTtlMs: options.dedupeTtlMs } : {}),
        // A call waits through an outage for as long as it lasts: a call that gave up would let
        // the next answer's events, queued behind it, be written first. What waits is bounded by
        // the pollers (each holds at most 4 answers and stops asking VK); stop() cuts the rest.
        maxWaitMs: TIMER_MAX_MS,
        maxBuffered: Number.MAX_SAFE_INTEGER,
        logger,
      });
      return publisher;
    };
    // Calls reach the publisher in the order they are made (the pollers rely on it): at once when it
    // is open, in a chain on its opening before.
    let opened: Publisher | undefined;
    this.#publisher = {
      publish: (events) =>
        opened
          ? opened.publish(events)
          : this.#openPublisher().then((open) => {
              opened = open;
              return open.publish(events);
            }),
      close: async () => {
        if (publisher) await (await publisher).close();
      },
    };
    this.#apis = options.tokens.map(
      (token) =>
        new VkApi({
          token,
          ...(options.apiBaseUrl ? { baseUrl: options.apiBaseUrl } : {}),
          tokenType: 'group',
          rateLimiter: this.#limiter,
          logger,
          // Every error VK answered, those a retry absorbed (error 6 storms) included.
          hooks: {
            afterCall: ({ error }) => {
              if (error instanceof VkApiError) observer.apiError(error.code);
            },
            onRetry: ({ error }) => {
              if (error instanceof VkApiError) observer.apiError(error.code);
            },
          },
        }),
    );
    this.#resolvers = this.#apis.map((api) => options.resolver(api));
    this.#fleet = new FleetShare({
      client: this.#client,
      prefix,
      tokens: options.tokens,
      leaseMs: options.leaseMs,
      logger,
    });
    this.#pollers = this.#apis.map(
      (api, index) =>
        new CommunityPoller({
          api,
          token: options.tokens[index] as string,
          tokenLabel:
            options.tokens.length > 1
              ? `token ${index + 1} of ${options.tokens.length} in VK_TOKEN`
              : 'VK_TOKEN',
          ...(options.groupId !== undefined && options.tokens.length === 1
            ? { groupId: options.groupId }
            : {}),
          publisher: this.#publisher,
          lease: this.#lease,
          checkpoints: this.#checkpoints,
          fleet: this.#fleet,
          resolver: this.#resolvers[index] as VkNameResolver,
          prefixes: options.prefixes,
          wait: options.wait,
          leaseMs: options.leaseMs,
          logger,
          observer,
          onFatal: (error) => this.#fail(error),
        }),
    );
  }

  /** Connects to Redis (retrying until it answers) and starts every community's poller. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    // node-redis retries the connection until Redis answers; commands wait for it meanwhile. It
    // gives up only on what no retry fixes (a refused password or user): the service ends on it.
    const connected = this.#client.connect().then(
      () => true,
      (error: unknown) => {
        this.options.logger.error({ err: error }, 'fetcher: cannot connect to Redis');
        return false;
      },
    );
    this.#connecting = connected;
    // Opened once connected: on a connection whose password Redis refused, its commands would
    // fail first with a bare NOAUTH, ending the service on that instead of the line above.
    void connected.then((ok) => {
      if (ok) this.#openPublisher().catch((error: unknown) => this.#fail(error as Error));
    });
    this.#fleet.start();
    for (const poller of this.#pollers) poller.start();
  }

  /** Where the service stands now. */
  status(): Readiness {
    const communities = this.#pollers.map((poller) => poller.status);
    const redis: Readiness['redis'] = this.#client.isReady ? 'up' : 'down';
    const ready =
      redis === 'up' &&
      communities.every((community) => community.role === 'leader' || community.role === 'standby');
    return { redis, communities, ready };
  }

  /**
   * Stops polling, publishes what was fetched, saves the checkpoints, releases the leases and closes
   * every connection. Resolves once nothing of the service runs.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.shutdown();
    return this.#stopping;
  }

  private async shutdown(): Promise<void> {
    const { logger } = this.options;
    await Promise.all(this.#pollers.map((poller) => poller.stop()));
    await this.#fleet.stop();
    // The parts share one bounded time, in order: with Redis down, what they still hold is cut below.
    const closeBy = performance.now() + CLOSE_ALL_MS;
    const closing = async (what: string, close: () => Promise<unknown>) => {
      const outcome = await withinMs(
        close().then(
          () => 'closed' as const,
          (error: unknown) => {
            logger.warn({ err: error }, `fetcher: closing ${what} failed`);
            return 'failed' as const;
          },
        ),
        Math.max(0, closeBy - performance.now()),
      );
      if (outcome === undefined) logger.warn({}, `fetcher: closing ${what} timed out; cutting it`);
    };
    await Promise.all(
      this.#resolvers.map((resolver) => closing('the name resolver', async () => resolver.close?.())),
    );
    await Promise.all(this.#apis.map((api) => closing('the VK API client', () => api.close())));
    await closing('the publisher', () => this.#publisher.close());
    await closing('the stores', () =>
      Promise.all([this.#lease.close(), this.#checkpoints.close(), this.#limiter.close()]),
    );
    if (this.#client.isReady) await closing('Redis', () => this.#client.close());
    if (this.#client.isOpen) this.#client.destroy();
    await this.#connecting;
  }
}
