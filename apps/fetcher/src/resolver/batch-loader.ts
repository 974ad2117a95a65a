import type { VkNames } from '@vkwire/events-schema';
import { NameResolveError } from './errors.js';
import type { NameKind } from './options.js';
import { RetryGaveUp, retryUntil } from './retry.js';
import type { TtlLruCache } from './ttl-lru-cache.js';
import type { NameLookup } from './vk-lookups.js';

/** A cached answer: names, or null for an id VK answered nothing for. */
export type CachedNames = Readonly<VkNames> | null;

/** What a {@link BatchLoader} needs from its resolver. */
export interface BatchLoaderDeps {
  kind: NameKind;
  lookup: NameLookup;
  /** Ids per call. */
  limit: number;
  /** Shared by every kind: users, `-group_id` and chat peer ids never collide. */
  cache: TtlLruCache<CachedNames>;
  cacheTtlMs: number;
  missingTtlMs: number;
  timeoutMs: number;
  retryDelayMs: number;
  /** Aborted by `close()`. */
  signal: AbortSignal;
  onCacheHit(kind: NameKind, count: number): void;
  onCacheMiss(kind: NameKind, count: number): void;
  onUnresolved(kind: NameKind, ids: readonly number[], error: NameResolveError): void;
  onApiError(error: Error): void;
}

type Settle = (names: CachedNames | undefined) => void;

/**
 * Names of one kind: answers from the cache, joins a lookup already in flight for an id, and sends
 * every other id asked in the same tick in one call (chunked at VK's limit per call).
 */
export class BatchLoader {
  /** One promise per id being asked; undefined when it could not be. */
  private readonly inFlight = new Map<number, Promise<CachedNames | undefined>>();
  private queued = new Map<number, Settle>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly deps: BatchLoaderDeps) {}

  /** Puts the names of `ids` into `found`; returns a promise only when some must be waited for. */
  load(ids: readonly number[], found: Map<number, VkNames>): Promise<void> | undefined {
    const { cache, kind } = this.deps;
    let waits: Promise<void>[] | undefined;
    for (const id of ids) {
      const cached = cache.get(id);
      if (cached !== undefined) {
        if (cached !== null) found.set(id, cached);
        continue;
      }
      const pending = this.inFlight.get(id) ?? this.enqueue(id);
      waits ??= [];
      waits.push(
        pending.then((names) => {
          if (names) found.set(id, names);
        }),
      );
    }
    const misses = waits?.length ?? 0;
    if (ids.length > misses) this.deps.onCacheHit(kind, ids.length - misses);
    if (misses > 0) this.deps.onCacheMiss(kind, misses);
    return waits && Promise.all(waits).then(() => undefined);
  }

  /** Resolves when every lookup started so far has settled. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.queued.size > 0) {
      if (this.running.size === 0) this.flush();
      await Promise.all(this.running);
    }
  }

  private enqueue(id: number): Promise<CachedNames | undefined> {
    let settle: Settle | undefined;
    const promise = new Promise<CachedNames | undefined>((resolve) => {
      settle = resolve;
    });
    this.inFlight.set(id, promise);
    // A microtask (no timer) gathers every id asked before it runs: one normalize batch, or several
    // batches resolved in the same tick.
    if (this.queued.size === 0) queueMicrotask(() => this.flush());
    this.queued.set(id, settle as Settle);
    return promise;
  }

  private flush(): void {
    if (this.queued.size === 0) return;
    const queued = this.queued;
    this.queued = new Map();
    const ids = [...queued.keys()];
    for (let start = 0; start < ids.length; start += this.deps.limit) {
      const chunk = ids.slice(start, start + this.deps.limit);
      const run = this.fetch(chunk, queued).finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  /** Asks VK for one chunk, retrying until the deadline; never rejects. */
  private async fetch(ids: readonly number[], settles: ReadonlyMap<number, Settle>): Promise<void> {
    const { deps } = this;
    const settle = (id: number, names: CachedNames | undefined): void => {
      this.inFlight.delete(id);
      settles.get(id)?.(names);
    };
    try {
      const table = await retryUntil((signal) => deps.lookup(ids, signal), {
        deadline: performance.now() + deps.timeoutMs,
        baseDelayMs: deps.retryDelayMs,
        signal: deps.signal,
        onError: deps.onApiError,
      });
      for (const id of ids) {
        const names = table.get(id) ?? null;
        deps.cache.set(id, names, names === null ? deps.missingTtlMs : deps.cacheTtlMs);
        settle(id, names);
      }
    } catch (thrown) {
      const code = thrown instanceof RetryGaveUp ? thrown.code : 'failed';
      const cause = thrown instanceof RetryGaveUp ? thrown.lastError : thrown;
      const unresolved: number[] = [];
      for (const id of ids) {
        // A name VK gave before is better than none while it cannot be asked.
        const stale = deps.cache.stale(id);
        if (stale === undefined) unresolved.push(id);
        settle(id, stale);
      }
      if (unresolved.length > 0)
        deps.onUnresolved(
          deps.kind,
          unresolved,
          new NameResolveError(deps.kind, unresolved.length, code, cause),
        );
    }
  }
}
