import { VkwireConfigError } from '@vkwire/core';
import type { LongPollClientOptions } from './client.js';

type Check = (value: unknown) => boolean;

const isInteger: Check = (value) => typeof value === 'number' && Number.isSafeInteger(value);
const isFunction: Check = (value) => typeof value === 'function';
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** Checks one option when it is set; throws a `VkwireConfigError` naming it otherwise. */
export function checkOption(
  component: string,
  option: string,
  value: unknown,
  valid: Check,
  expected: string,
): void {
  if (value !== undefined) requireOption(component, option, value, valid, expected);
}

/** Checks an option that must be set. */
export function requireOption(
  component: string,
  option: string,
  value: unknown,
  valid: Check,
  expected: string,
): void {
  if (!valid(value)) throw new VkwireConfigError(component, option, expected, { got: value });
}

/** Checks the `api` option every client needs: a VkApi (anything with its `call`). */
export function requireApi(component: string, api: unknown): void {
  requireOption(
    component,
    'api',
    api,
    (value) => isObject(value) && typeof value.call === 'function',
    'a VkApi client (new VkApi({ token }))',
  );
}

/** Checks an optional `groupId`: the community id, a positive integer without the minus. */
export function checkGroupId(component: string, groupId: unknown): void {
  checkOption(
    component,
    'groupId',
    groupId,
    positiveInteger,
    'a positive integer (the community id, no minus)',
  );
}

/** A positive integer (ids, counts). */
export const positiveInteger: Check = (value) => isInteger(value) && (value as number) > 0;
/** 0 or more, an integer. */
export const nonNegativeInteger: Check = (value) => isInteger(value) && (value as number) >= 0;
const nonNegativeNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Checks the options both long poll clients share. */
export function checkClientOptions(component: string, input: LongPollClientOptions<unknown>): void {
  if (!isObject(input)) throw new VkwireConfigError(component, 'options', 'an object', { got: input });
  const options: LongPollClientOptions<unknown> = input;
  const check = (option: string, value: unknown, valid: Check, expected: string) =>
    checkOption(component, option, value, valid, expected);
  check(
    'wait',
    options.wait,
    (value) => isInteger(value) && (value as number) >= 0 && (value as number) <= 90,
    'an integer from 0 to 90 (seconds VK holds a request)',
  );
  check(
    'ts',
    options.ts,
    (value) => typeof value === 'string' && /^\d+$/.test(value),
    'a string of digits (a saved ts)',
  );
  check('signal', options.signal, (value) => value instanceof AbortSignal, 'an AbortSignal');
  check('concurrency', options.concurrency, positiveInteger, 'a positive integer');
  check('queueLimit', options.queueLimit, positiveInteger, 'a positive integer');
  check('stopTimeoutMs', options.stopTimeoutMs, nonNegativeNumber, 'a number of milliseconds, 0 or more');
  check('handlerRetries', options.handlerRetries, nonNegativeInteger, 'an integer, 0 or more');
  check('onCheckpoint', options.onCheckpoint, isFunction, 'a function');
  check('onGap', options.onGap, isFunction, 'a function');
  check('onFailed', options.onFailed, isFunction, 'a function');
  check('onError', options.onError, isFunction, 'a function');
  check(
    'logger',
    options.logger,
    (value) =>
      isObject(value) && ['debug', 'info', 'warn', 'error'].every((level) => isFunction(value[level])),
    'a Logger (debug, info, warn and error methods)',
  );
  check('retry', options.retry, isObject, 'an object');
  check(
    'retry.baseDelayMs',
    options.retry?.baseDelayMs,
    nonNegativeNumber,
    'a number of milliseconds, 0 or more',
  );
  check(
    'retry.maxDelayMs',
    options.retry?.maxDelayMs,
    nonNegativeNumber,
    'a number of milliseconds, 0 or more',
  );
  const checkpoint = options.checkpoint;
  check('checkpoint', checkpoint, isObject, 'an object { store, stream }');
  if (checkpoint !== undefined) {
    requireOption(
      component,
      'checkpoint.store',
      checkpoint.store,
      (value) => isObject(value) && isFunction(value.load) && isFunction(value.save),
      'a CheckpointStore (load and save methods)',
    );
    requireOption(
      component,
      'checkpoint.stream',
      checkpoint.stream,
      (value) => typeof value === 'string' && value !== '',
      'a non-empty string naming the stream',
    );
  }
}
