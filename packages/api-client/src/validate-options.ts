import { VkwireConfigError } from '@vkwire/core';
import type { VkApiOptions } from './api.js';

const COMPONENT = 'VkApi';

function fail(option: string, expected: string, got: unknown, secret = false): never {
  throw new VkwireConfigError(COMPONENT, option, expected, { got, secret });
}

function positive(option: string, value: unknown, integer = false): void {
  if (value === undefined) return;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integer && !Number.isInteger(value))
  )
    fail(option, integer ? 'a positive integer' : 'a positive number of milliseconds', value);
}

function nonNegative(option: string, value: unknown, infinite = false): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value)))
    fail(
      option,
      infinite ? 'a number of milliseconds ≥ 0 (or Infinity)' : 'a number of milliseconds ≥ 0',
      value,
    );
}

function hasFunctions(value: unknown, names: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}

/**
 * Checks `new VkApi(options)` and throws VkwireConfigError (code `invalid_option`) naming the first
 * wrong option. The token's value never appears in the message, only its type.
 */
export function checkOptions(options: VkApiOptions): void {
  if (typeof options !== 'object' || options === null) fail('options', 'an object with a `token`', options);
  if (typeof options.token !== 'string' || options.token === '')
    fail('token', 'a non-empty string', options.token, true);
  if (options.baseUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof options.baseUrl === 'string' ? new URL(options.baseUrl) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      fail('baseUrl', 'an http(s) URL ending with /method', options.baseUrl);
  }
  if (options.version !== undefined && (typeof options.version !== 'string' || options.version === ''))
    fail('version', "a version string such as '5.199'", options.version);
  if (options.tokenType !== undefined && options.tokenType !== 'group' && options.tokenType !== 'user')
    fail('tokenType', "'group' or 'user'", options.tokenType);
  if (
    options.requestsPerSecond !== undefined &&
    (typeof options.requestsPerSecond !== 'number' ||
      !Number.isFinite(options.requestsPerSecond) ||
      options.requestsPerSecond <= 0)
  )
    fail('requestsPerSecond', 'a positive number', options.requestsPerSecond);
  if (options.rateLimiter !== undefined && !hasFunctions(options.rateLimiter, ['acquire']))
    fail('rateLimiter', 'an object with an `acquire` method (a RateLimiter)', options.rateLimiter);
  if (options.batching !== undefined && typeof options.batching !== 'boolean')
    fail('batching', 'a boolean', options.batching);
  if (options.retry !== undefined) {
    if (typeof options.retry !== 'object' || options.retry === null)
      fail('retry', 'an object', options.retry);
    positive('retry.attempts', options.retry.attempts, true);
    nonNegative('retry.baseDelayMs', options.retry.baseDelayMs);
    nonNegative('retry.maxDelayMs', options.retry.maxDelayMs);
    nonNegative('retry.rateLimitDelayMs', options.retry.rateLimitDelayMs);
  }
  positive('timeoutMs', options.timeoutMs);
  nonNegative('closeTimeoutMs', options.closeTimeoutMs, true);
  if (options.onCaptcha !== undefined && typeof options.onCaptcha !== 'function')
    fail('onCaptcha', 'a function', options.onCaptcha);
  if (options.hooks !== undefined && (typeof options.hooks !== 'object' || options.hooks === null))
    fail('hooks', 'an object with beforeCall/afterCall functions', options.hooks);
  if (options.logger !== undefined && !hasFunctions(options.logger, ['debug', 'info', 'warn', 'error']))
    fail('logger', 'a Logger (debug, info, warn and error functions)', options.logger);
  if (options.language !== undefined && typeof options.language !== 'string')
    fail('language', "a language code such as 'ru'", options.language);
}
