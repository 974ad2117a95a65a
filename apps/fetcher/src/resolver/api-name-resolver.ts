import { type Closable, defaultLogger, errorText, type Logger } from '@vkwire/core';
import type { VkNameResolver, VkNames } from '@vkwire/events-schema';
import { BatchLoader, type CachedNames } from './batch-loader.js';
import type { NameResolveError } from './errors.js';
import { type ApiNameResolverOptions, type NameKind, resolveOptions } from './options.js';
import { TtlLruCache } from './ttl-lru-cache.js';
import { chatLookup, groupLookup, LOOKUP_LIMITS, type NameLookup, userLookup } from './vk-lookups.js';

/** A {@link VkNameResolver} that asks the VK API, with a cache; see {@link createApiNameResolver}. */
export interface ApiNameResolver extends VkNameResolver, Closable {
  /** Forgets every cached name (lookups in flight still finish and are cached). */
  clear(): void;
  /**
   * Aborts lookups in flight and retry pauses (their callers get the names missing, counted by
   * `onUnresolved` with code `closed`) and resolves when none runs. Afterwards only cached names are
   * given. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** At most one warning line about unresolved names per this many milliseconds. */
const WARN_INTERVAL_MS = 30_000;

/** Chat peer ids start here (2000000000 + chat id). */
const CHAT_PEER_BASE = 2_000_000_000;

/**
 * The names of normalized events from the VK API: users with `users.get` (screen_name),
 * communities with `groups.getById`, chat titles with `messages.getConversationsById`. Ids missing
 * from the cache are asked in one call per kind for everything asked in the same tick (at most 1000
 * users, 500 communities, 100 chats a call), through the VkApi, so its rate limiter and execute
 * batching apply. Concurrent lookups of one id share one request. A failed lookup is retried with
 * backoff for up to `timeoutMs`; then the names are left out (null in the event), `onUnresolved` is
 * called and a warning logged. It never rejects and never invents a name.
 *
 * @example
 * const resolver = createApiNameResolver({ api, onCacheHit: (kind, n) => hits.inc({ kind }, n) });
 * const event = await normalize(update, { resolver, prefixes: ['/'] });
 * await resolver.close();
 */
export function createApiNameResolver(options: ApiNameResolverOptions): ApiNameResolver {
  const config = resolveOptions(options);
  const logger: Logger = config.logger ?? defaultLogger;
  const closer = new AbortController();
  const cache = new TtlLruCache<CachedNames>(config.cacheSize, config.now);
  const warnings = { lastAt: Number.NEGATIVE_INFINITY, ids: 0, lines: 0 };

  // A callback that throws is the metrics' bug, not the event's: report it and go on.
  const safely =
    <A extends unknown[]>(name: string, callback: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      if (!callback) return;
      try {
        callback(...args);
      } catch (error) {
        logger.error({ callback: name, error: errorText(error) }, 'createApiNameResolver: a callback threw');
      }
    };
  const onUnresolved = safely('onUnresolved', config.onUnresolved);
  const unresolved = (kind: NameKind, ids: readonly number[], error: NameResolveError): void => {
    onUnresolved(kind, ids, error);
    warnings.ids += ids.length;
    warnings.lines += 1;
    const now = performance.now();
    if (now - warnings.lastAt < WARN_INTERVAL_MS) return;
    logger.warn(
      {
        kind,
        code: error.code,
        ids: ids.slice(0, 5),
        unresolved: warnings.ids,
        lookups: warnings.lines,
        error: error.cause === undefined ? undefined : errorText(error.cause),
      },
      'names went out null: VK could not be asked for them',
    );
    warnings.lastAt = now;
    warnings.ids = 0;
    warnings.lines = 0;
  };

  const loader = (kind: NameKind, lookup: NameLookup): BatchLoader =>
    new BatchLoader({
      kind,
      lookup,
      limit: LOOKUP_LIMITS[kind],
      cache,
      cacheTtlMs: config.cacheTtlMs,
      missingTtlMs: config.missingTtlMs,
      timeoutMs: config.timeoutMs,
      retryDelayMs: config.retryDelayMs,
      signal: closer.signal,
      onCacheHit: safely('onCacheHit', config.onCacheHit),
      onCacheMiss: safely('onCacheMiss', config.onCacheMiss),
      onUnresolved: unresolved,
      onApiError: safely('onApiError', config.onApiError),
    });
  const users = loader('user', userLookup(config.api));
  const groups = loader('group', groupLookup(config.api));
  const chats = loader('chat', chatLookup(config.api));
  let closing: Promise<void> | undefined;

  return {
    async resolveUsers(ids) {
      const found = new Map<number, VkNames>();
      const userIds: number[] = [];
      const groupIds: number[] = [];
      for (const id of ids) {
        if (!Number.isSafeInteger(id) || id === 0 || id >= CHAT_PEER_BASE) continue;
        (id > 0 ? userIds : groupIds).push(id);
      }
      const waits = [users.load(userIds, found), groups.load(groupIds, found)];
      if (waits[0] || waits[1]) await Promise.all(waits);
      return found;
    },
    async resolvePeers(peerIds) {
      const found = new Map<number, VkNames>();
      const wait = chats.load(
        peerIds.filter((id) => Number.isSafeInteger(id) && id > CHAT_PEER_BASE),
        found,
      );
      if (wait) await wait;
      const titles = new Map<number, string | null>();
      for (const [id, names] of found) titles.set(id, names.name ?? null);
      return titles;
    },
    clear() {
      cache.clear();
    },
    close() {
      closing ??= (async () => {
        closer.abort();
        await Promise.all([users.idle(), groups.idle(), chats.idle()]);
      })();
      return closing;
    },
  };
}
