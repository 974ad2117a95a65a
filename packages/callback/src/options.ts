import { type DedupeStore, defaultLogger, type Logger, VkwireConfigError } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import type { CallbackContext, CallbackUpdateHandler } from './context.js';
import { type CallbackGroupConfig, CallbackGroups } from './groups.js';

/** What was wrong with a request that was refused (for `onRejected` and logs). */
export type CallbackRejection =
  | 'method_not_allowed'
  | 'unsupported_content_type'
  | 'body_too_large'
  | 'unreadable_body'
  | 'invalid_json'
  | 'invalid_shape'
  | 'unknown_group'
  | 'bad_secret'
  | 'invalid_update';

/** Options shared by every way of running a callback receiver. */
export interface CallbackReceiverOptions {
  /** The communities served, with their secrets and confirmation codes (an array, or a live registry). */
  groups: readonly CallbackGroupConfig[] | CallbackGroups;
  /** Called once per update (redeliveries of a handled update are answered `ok` without it). */
  onUpdate: CallbackUpdateHandler;
  /**
   * Milliseconds `onUpdate` may take. Past it VK is asked to retry (503 + `Retry-After`) and the
   * handler's `signal` is aborted; the handling keeps its claim, so the redelivery is answered by
   * its outcome, never handled twice.
   * @default 4000
   */
  deadlineMs?: number;
  /**
   * Milliseconds `stop()` waits for running handlers before it aborts them (their outcomes are
   * then discarded and VK redelivers the updates).
   * @default 10000
   */
  stopTimeoutMs?: number;
  /** `Retry-After` seconds sent when `onUpdate` fails or times out, and while stopping. @default 10 */
  errorRetryAfterSeconds?: number;
  /** Largest accepted body in bytes; larger ones get 413 while being read. @default 1048576 (1 MiB) */
  bodyLimit?: number;
  /** Check each update with events-schema (drift-tolerant). @default true */
  validate?: boolean;
  /**
   * Where handled `event_id`s are remembered (`@vkwire/core`'s contract; redis-bridge has a shared one).
   * @default a new MemoryDedupeStore()
   */
  dedupe?: DedupeStore;
  /** How long a handled `event_id` is remembered (VK retries for ~2 h, Retry-After up to 3 h). @default 21600000 (6 h) */
  dedupeTtlMs?: number;
  /** Called for every refused request (for metrics); never sees the secret. */
  onRejected?: (reason: CallbackRejection, info: { groupId?: number; eventId?: string }) => void;
  /**
   * Receives the errors of `onUpdate` (a throw, a rejection, a `CallbackDeadlineError`) instead of
   * the logger. @default errors go to `logger`
   */
  onError?: (error: Error, update: VkParsedUpdate, context: CallbackContext) => void;
  /**
   * Logs (pino-compatible); secrets are never logged. `silentLogger` from `@vkwire/core` mutes it.
   * @default core's defaultLogger: warnings and errors to stderr, each kind rate-limited
   */
  logger?: Logger;
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** @internal The options with their defaults, checked. */
export interface ReceiverSettings {
  readonly groups: CallbackGroups;
  readonly onUpdate: CallbackUpdateHandler;
  readonly deadlineMs: number;
  readonly stopTimeoutMs: number;
  readonly errorRetryAfter: string;
  readonly bodyLimit: number;
  readonly validate: boolean;
  readonly dedupe: DedupeStore | undefined;
  readonly dedupeTtlMs: number;
  readonly onRejected: CallbackReceiverOptions['onRejected'];
  readonly onError: CallbackReceiverOptions['onError'];
  readonly logger: Logger;
}

/**
 * @internal Checks the options every entry point shares and fills in the defaults.
 * @param component the entry point, named in errors (`serveCallback`, `createCallbackReceiver`, ...)
 */
export function receiverSettings(component: string, options: CallbackReceiverOptions): ReceiverSettings {
  if (typeof options !== 'object' || options === null)
    throw new VkwireConfigError(component, 'options', 'an object', { got: options });
  const { groups } = options;
  if (!(groups instanceof CallbackGroups) && !Array.isArray(groups))
    throw new VkwireConfigError(
      component,
      'groups',
      'an array of { groupId, secret?, confirmation } or a CallbackGroups',
      {
        got: groups,
      },
    );
  if (typeof options.onUpdate !== 'function')
    throw new VkwireConfigError(component, 'onUpdate', 'a function (update, context) => ...', {
      got: options.onUpdate,
    });
  const dedupe = options.dedupe;
  if (
    dedupe !== undefined &&
    (typeof dedupe !== 'object' ||
      dedupe === null ||
      typeof dedupe.claim !== 'function' ||
      typeof dedupe.complete !== 'function' ||
      typeof dedupe.release !== 'function')
  )
    throw new VkwireConfigError(component, 'dedupe', 'a DedupeStore (claim, complete, release)', {
      got: dedupe,
    });
  const logger = options.logger;
  if (
    logger !== undefined &&
    (typeof logger !== 'object' ||
      logger === null ||
      LOGGER_METHODS.some((method) => typeof logger[method] !== 'function'))
  )
    throw new VkwireConfigError(component, 'logger', 'a pino-compatible logger (debug, info, warn, error)', {
      got: logger,
    });
  optionalFunction(component, 'onError', options.onError);
  optionalFunction(component, 'onRejected', options.onRejected);
  if (options.validate !== undefined && typeof options.validate !== 'boolean')
    throw new VkwireConfigError(component, 'validate', 'a boolean', { got: options.validate });
  if ('closeTimeoutMs' in options)
    throw new VkwireConfigError(component, 'closeTimeoutMs', 'renamed: use `stopTimeoutMs`');
  return {
    groups: groups instanceof CallbackGroups ? groups : new CallbackGroups(groups),
    onUpdate: options.onUpdate,
    deadlineMs: integerOption(component, 'deadlineMs', options.deadlineMs, 4000, 1),
    stopTimeoutMs: integerOption(component, 'stopTimeoutMs', options.stopTimeoutMs, 10_000, 0),
    errorRetryAfter: String(retryAfter(component, options.errorRetryAfterSeconds)),
    bodyLimit: integerOption(component, 'bodyLimit', options.bodyLimit, 1024 * 1024, 1),
    validate: options.validate ?? true,
    dedupe,
    dedupeTtlMs: integerOption(component, 'dedupeTtlMs', options.dedupeTtlMs, 6 * 3600 * 1000, 1),
    onRejected: options.onRejected,
    onError: options.onError,
    logger: logger ?? defaultLogger,
  };
}

/** An integer option ≥ `min` (milliseconds or bytes), or its default when left out. */
function integerOption(
  component: string,
  option: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new VkwireConfigError(component, option, min === 0 ? 'an integer ≥ 0' : 'a positive integer', {
      got: value,
    });
  return value;
}

function retryAfter(component: string, value: number | undefined): number {
  if (value === undefined) return 10;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value >= 3 * 3600)
    throw new VkwireConfigError(component, 'errorRetryAfterSeconds', 'an integer in [0, 10800)', {
      got: value,
    });
  return value;
}

function optionalFunction(component: string, option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function')
    throw new VkwireConfigError(component, option, 'a function', { got: value });
}

/** @internal The `path` option of an app or server: it must start with '/'. */
export function pathOption(component: string, path: string | undefined): string {
  if (path === undefined) return '/callback';
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new VkwireConfigError(component, 'path', "a path starting with '/'", { got: path });
  return path;
}
