import type { VkwireEventType } from '@vkwire/events-schema';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What a name lookup was for: a user, a community (an author), or a chat's title. */
export type ResolverKind = 'user' | 'group' | 'chat';

/** The `failed` code of a Long Poll answer: 1 history lost (new ts), 2 key expired, 3 key and ts lost. */
export type LongPollFailedCode = 1 | 2 | 3;

/** Options of {@link createFetcherMetrics}. */
export interface FetcherMetricsOptions {
  /**
   * Also collect prom-client's default process and Node.js metrics (`process_*`, `nodejs_*`,
   * unprefixed, as dashboards expect) into the private registry. They install an event-loop delay
   * monitor and a GC observer that live as long as the process: create one set per process.
   * @default true
   */
  defaultMetrics?: boolean;
  /** The clock, in milliseconds (for the Long Poll lag). @default Date.now */
  now?: () => number;
}

/**
 * The fetcher's Prometheus metrics, in a registry of their own (never prom-client's global one),
 * all named `vkwire_fetcher_*`. Each method records one fact; `metrics()` renders them for
 * `/metrics`. Methods are bound: pass them as callbacks as they are.
 */
export interface FetcherMetrics {
  /** The private registry the metrics live in. */
  readonly registry: Registry;
  /** The `Content-Type` of `metrics()`'s text. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string>;
  /** VK updates taken from Long Poll, by VK's update type (`message_new`, …). */
  updatesReceived(updateType: string, count?: number): void;
  /** Normalized events Redis acknowledged on the bus, by `event_type` (`message`, `command`, …). */
  eventsPublished(eventType: VkwireEventType, count?: number): void;
  /** One publish call's time from the call to Redis's acknowledgement, in seconds. */
  publishLatency(seconds: number): void;
  /**
   * A Long Poll answer with updates (possibly none) arrived for a community this fetcher polls; the
   * lag gauge is the time since the last one, read at scrape time.
   * @param at when, in milliseconds since the epoch @default now
   */
  pollAnswered(groupId: number, at?: number): void;
  /** Name lookups served from the resolver's cache. */
  resolverCacheHit(kind: ResolverKind, count?: number): void;
  /** Name lookups that needed the API. */
  resolverCacheMiss(kind: ResolverKind, count?: number): void;
  /** Names given up on after `RESOLVE_TIMEOUT_MS`: their events went out with null names. */
  namesUnresolved(kind: ResolverKind, count?: number): void;
  /** A VK API call failed with this error code (e.g. 6 too many requests, 15 access denied). */
  vkApiError(code: number): void;
  /** A Long Poll answer carried `failed` 1, 2 or 3. */
  longPollFailed(failed: LongPollFailedCode): void;
  /** Events may have been lost between two Long Poll answers (history lost, `failed: 1`). */
  gap(count?: number): void;
  /**
   * Whether this fetcher holds a community's lease and polls it. Becoming leader starts its lag
   * clock; losing the lead drops its lag series (a standby does not poll).
   */
  setLeader(groupId: number, leader: boolean): void;
  /** Drops every series of a community this fetcher no longer serves. */
  forgetCommunity(groupId: number): void;
}

const PREFIX = 'vkwire_fetcher_';
const RESOLVER_KINDS: readonly ResolverKind[] = ['user', 'group', 'chat'];
const FAILED_CODES: readonly LongPollFailedCode[] = [1, 2, 3];

/**
 * Publish calls take about a millisecond on a local Redis and up to `maxWaitMs` (30 s) while Redis
 * is down: fine buckets below 10 ms, coarse ones up to the wait's end.
 */
export const PUBLISH_LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * Creates the fetcher's metrics in a new private registry.
 *
 * @example
 * const metrics = createFetcherMetrics();
 * metrics.updatesReceived('message_new');
 * const server = await startHttpServer({ host, port, metrics, readiness });
 */
export function createFetcherMetrics(options: FetcherMetricsOptions = {}): FetcherMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const received = new Counter({
    name: `${PREFIX}updates_received_total`,
    help: 'VK updates taken from Bots Long Poll, by VK update type.',
    labelNames: ['update_type'] as const,
    registers,
  });
  const published = new Counter({
    name: `${PREFIX}events_published_total`,
    help: 'Normalized events acknowledged by Redis on the bus, by event_type.',
    labelNames: ['event_type'] as const,
    registers,
  });
  const latency = new Histogram({
    name: `${PREFIX}publish_latency_seconds`,
    help: 'Time from a Long Poll answer arriving to Redis acknowledging all its events, per answer.',
    buckets: [...PUBLISH_LATENCY_BUCKETS],
    registers,
  });
  const lastAnswer = new Map<string, number>();
  new Gauge({
    name: `${PREFIX}longpoll_lag_seconds`,
    help: 'Seconds since the last Long Poll answer of a community this fetcher polls (VK holds a poll up to LP_WAIT).',
    labelNames: ['group_id'] as const,
    registers,
    collect() {
      this.reset();
      const at = now();
      for (const [group, last] of lastAnswer) this.set({ group_id: group }, Math.max(0, at - last) / 1000);
    },
  });
  const cacheHits = new Counter({
    name: `${PREFIX}resolver_cache_hits_total`,
    help: 'Name lookups served from the resolver cache, by kind (user, group, chat).',
    labelNames: ['kind'] as const,
    registers,
  });
  const cacheMisses = new Counter({
    name: `${PREFIX}resolver_cache_misses_total`,
    help: 'Name lookups that went to the VK API, by kind (user, group, chat).',
    labelNames: ['kind'] as const,
    registers,
  });
  const unresolved = new Counter({
    name: `${PREFIX}names_unresolved_total`,
    help: 'Names not resolved within RESOLVE_TIMEOUT_MS (their events carry null names), by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const apiErrors = new Counter({
    name: `${PREFIX}vk_api_errors_total`,
    help: 'VK API errors, by VK error code: calls that failed, and attempts a retry then repeated.',
    labelNames: ['code'] as const,
    registers,
  });
  const failed = new Counter({
    name: `${PREFIX}longpoll_failed_total`,
    help: 'Long Poll answers with failed 1 (history lost), 2 (key expired) or 3 (key and ts lost).',
    labelNames: ['failed'] as const,
    registers,
  });
  const gaps = new Counter({
    name: `${PREFIX}gaps_total`,
    help: 'Times events may have been lost between two Long Poll answers.',
    registers,
  });
  const leader = new Gauge({
    name: `${PREFIX}leader`,
    help: 'Whether this fetcher holds the community lease and polls it (1) or stands by (0).',
    labelNames: ['group_id'] as const,
    registers,
  });

  // Series of finite label sets exist from the start, so rate() sees their first increase
  for (const kind of RESOLVER_KINDS) {
    cacheHits.inc({ kind }, 0);
    cacheMisses.inc({ kind }, 0);
    unresolved.inc({ kind }, 0);
  }
  for (const code of FAILED_CODES) failed.inc({ failed: String(code) }, 0);

  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    updatesReceived: (updateType, count = 1) => received.inc({ update_type: updateType }, count),
    eventsPublished: (eventType, count = 1) => published.inc({ event_type: eventType }, count),
    publishLatency: (seconds) => latency.observe(seconds),
    pollAnswered: (groupId, at = now()) => {
      lastAnswer.set(String(groupId), at);
    },
    resolverCacheHit: (kind, count = 1) => cacheHits.inc({ kind }, count),
    resolverCacheMiss: (kind, count = 1) => cacheMisses.inc({ kind }, count),
    namesUnresolved: (kind, count = 1) => unresolved.inc({ kind }, count),
    vkApiError: (code) => apiErrors.inc({ code: String(code) }),
    longPollFailed: (code) => failed.inc({ failed: String(code) }),
    gap: (count = 1) => gaps.inc(count),
    setLeader: (groupId, isLeader) => {
      const group = String(groupId);
      leader.set({ group_id: group }, isLeader ? 1 : 0);
      if (!isLeader) lastAnswer.delete(group);
      else if (!lastAnswer.has(group)) lastAnswer.set(group, now());
    },
    forgetCommunity: (groupId) => {
      const group = String(groupId);
      leader.remove({ group_id: group });
      lastAnswer.delete(group);
    },
  };
}
