import type { VkApi } from '@vkwire/api-client';
import { type Logger, VkwireConfigError } from '@vkwire/core';
import type { NameResolveError } from './errors.js';

/** What a name belongs to: a user (`users.get`), a community (`groups.getById`) or a chat (its title). */
export type NameKind = 'user' | 'group' | 'chat';

/** Options of {@link createApiNameResolver}. Only `api` is required. */
export interface ApiNameResolverOptions {
  /** The client names are asked through; its rate limiter and execute batching apply to every call. */
  api: VkApi;
  /** Most names kept in memory (users, communities and chats together). @default 10000 */
  cacheSize?: number;
  /** How long a name is used before it is asked again, in milliseconds. @default 3600000 (1 h) */
  cacheTtlMs?: number;
  /**
   * How long an id VK answered nothing for (a deleted user or community, a chat the community is
   * not in) is remembered as having no name, so it is not asked again for every event. @default 60000
   */
  missingTtlMs?: number;
  /**
   * How long a lookup may take, retries included, from the moment it is sent (a caller joining it
   * later waits less); then its names go out null (an expired name, if one is still kept, is used
   * instead). @default 5000
   */
  timeoutMs?: number;
  /** First pause between retries; it doubles each retry, with jitter. @default 100 */
  retryDelayMs?: number;
  /** Ids answered from the cache, per call. */
  onCacheHit?(kind: NameKind, count: number): void;
  /** Ids not in the cache (asked of VK, or joining a lookup already in flight), per call. */
  onCacheMiss?(kind: NameKind, count: number): void;
  /** Ids (`-group_id` for communities) whose names went out null because VK could not be asked. */
  onUnresolved?(kind: NameKind, ids: readonly number[], error: NameResolveError): void;
  /**
   * The error each failed lookup attempt ended with, whether it is retried or not. (A call VK refuses
   * for an id it does not know is not one: it is asked again without that id.)
   */
  onApiError?(error: Error): void;
  /**
   * Where a warning goes when names go out null (at most one line per 30 s, with a count) and where
   * a throwing callback is reported. @default defaultLogger of @vkwire/core (stderr, rate-limited)
   */
  logger?: Logger;
  /** The clock cache TTLs are measured on, in milliseconds (for tests). @default Date.now */
  now?: () => number;
}

/** The options with their defaults filled in. */
export type ResolvedNameResolverOptions = Required<Pick<ApiNameResolverOptions, NumberOption | 'now'>> &
  ApiNameResolverOptions;

type NumberOption = 'cacheSize' | 'cacheTtlMs' | 'missingTtlMs' | 'timeoutMs' | 'retryDelayMs';

const CALLBACKS = ['onCacheHit', 'onCacheMiss', 'onUnresolved', 'onApiError', 'now'] as const;

/** Checks the options (throwing VkwireConfigError naming the bad one) and fills in the defaults. */
export function resolveOptions(options: ApiNameResolverOptions): ResolvedNameResolverOptions {
  const component = 'createApiNameResolver';
  if (typeof options !== 'object' || options === null)
    throw new VkwireConfigError(component, 'options', 'an object with `api`', { got: options });
  if (typeof (options.api as { call?: unknown } | undefined)?.call !== 'function')
    throw new VkwireConfigError(component, 'api', 'a VkApi', { got: options.api });
  const number = (option: NumberOption, fallback: number, least: number, integer = false): number => {
    const value = options[option] ?? fallback;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < least ||
      (integer && !Number.isInteger(value))
    )
      throw new VkwireConfigError(
        component,
        option,
        `${integer ? 'an integer' : 'a finite number'} ≥ ${least}`,
        {
          got: value,
        },
      );
    return value;
  };
  for (const callback of CALLBACKS) {
    const value: unknown = options[callback];
    if (value !== undefined && typeof value !== 'function')
      throw new VkwireConfigError(component, callback, 'a function', { got: value });
  }
  const logger: unknown = options.logger;
  if (logger !== undefined && typeof (logger as { warn?: unknown })?.warn !== 'function')
    throw new VkwireConfigError(component, 'logger', 'a Logger (debug/info/warn/error)', { got: logger });
  return {
    ...options,
    cacheSize: number('cacheSize', 10_000, 1, true),
    cacheTtlMs: number('cacheTtlMs', 3_600_000, 0),
    missingTtlMs: number('missingTtlMs', 60_000, 0),
    timeoutMs: number('timeoutMs', 5000, 1),
    retryDelayMs: number('retryDelayMs', 100, 1),
    now: options.now ?? Date.now,
  };
}
