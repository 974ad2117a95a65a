import { VkApi } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import { afterAll, describe, expect, test } from 'vitest';
import { callbackRoute, createCallbackHandler } from '../src/hono.js';
import {
  CallbackGroups,
  type CallbackReceiverOptions,
  configureCallbackServer,
  createCallbackReceiver,
  retryLater,
} from '../src/index.js';
import { createNodeCallbackHandler, serveCallback } from '../src/node.js';

const good: CallbackReceiverOptions = {
  groups: [{ groupId: 218734561, secret: 's3cr3t_Bodroe_2025', confirmation: '5f3e9a1c' }],
  onUpdate: () => {},
};

/** What was thrown by `run`: it must be a VkwireConfigError with code invalid_option. */
async function configError(run: () => unknown): Promise<VkwireConfigError> {
  let thrown: unknown;
  try {
    await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(VkwireConfigError);
  const error = thrown as VkwireConfigError;
  expect(error.code).toBe('invalid_option');
  return error;
}

describe('bad options are a VkwireConfigError (code invalid_option) naming the option', () => {
  const entryPoints: Record<string, (options: CallbackReceiverOptions) => unknown> = {
    createCallbackReceiver,
    createCallbackHandler,
    callbackRoute,
    createNodeCallbackHandler,
    serveCallback,
  };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['groups', { groups: 'all of them' }, /`groups` must be an array/],
    ['onUpdate', { onUpdate: undefined }, /`onUpdate` must be a function/],
    ['deadlineMs', { deadlineMs: -1 }, /`deadlineMs` must be a positive integer, got -1/],
    [
      'stopTimeoutMs',
      { stopTimeoutMs: '10s' },
      /`stopTimeoutMs` must be an integer ≥ 0, got the string "10s"/,
    ],
    ['bodyLimit', { bodyLimit: 0 }, /`bodyLimit` must be a positive integer, got 0/],
    ['errorRetryAfterSeconds', { errorRetryAfterSeconds: 99_999 }, /in \[0, 10800\), got 99999/],
    ['dedupe', { dedupe: {} }, /`dedupe` must be a DedupeStore/],
    ['logger', { logger: console.log }, /`logger` must be a pino-compatible logger/],
    ['logger', { logger: { error: () => {} } }, /`logger` must be a pino-compatible logger/],
    ['onError', { onError: 'log it' }, /`onError` must be a function/],
    ['validate', { validate: 'yes' }, /`validate` must be a boolean/],
    ['closeTimeoutMs', { closeTimeoutMs: 5000 }, /`closeTimeoutMs` must be renamed: use `stopTimeoutMs`/],
  ];
  for (const [entry, make] of Object.entries(entryPoints))
    test(`${entry}: every shared option is checked`, async () => {
      for (const [option, override, message] of cases) {
        const error = await configError(() => make({ ...good, ...override } as CallbackReceiverOptions));
        expect(error.option).toBe(option);
        expect(error.message).toMatch(new RegExp(`^${entry}: `));
        expect(error.message).toMatch(message);
      }
    });

  test('communities: a string group id says it got a string; a bad secret is never printed', async () => {
    const stringId = await configError(() =>
      createCallbackReceiver({
        ...good,
        groups: [{ groupId: '218734561' as unknown as number, confirmation: 'c' }],
      }),
    );
    expect(stringId.option).toBe('groupId');
    expect(stringId.message).toBe(
      'CallbackGroups: `groupId` must be a positive integer (a number), got the string "218734561"',
    );
    const badSecret = await configError(() =>
      new CallbackGroups().set({ groupId: 1, confirmation: 'c', secret: ['hunter2'] as unknown as string }),
    );
    expect(badSecret.option).toBe('secret');
    expect(badSecret.message).not.toContain('hunter2');
    expect((await configError(() => new CallbackGroups([{ groupId: 1, confirmation: '' }]))).option).toBe(
      'confirmation',
    );
  });

  test('server and app options: path, port, hostname', async () => {
    expect((await configError(() => serveCallback({ ...good, path: 'callback' }))).option).toBe('path');
    expect((await configError(() => createCallbackHandler({ ...good, path: 'vk' }))).option).toBe('path');
    expect((await configError(() => serveCallback({ ...good, port: 70_000 }))).option).toBe('port');
    expect((await configError(() => serveCallback({ ...good, hostname: '' }))).option).toBe('hostname');
  });

  test('retryLater: a delay VK does not accept', async () => {
    expect((await configError(() => retryLater(-1))).option).toBe('afterSeconds');
    expect((await configError(() => retryLater(4 * 3600))).option).toBe('afterSeconds');
    expect((await configError(() => retryLater(5, { status: 500 as 503 }))).option).toBe('status');
  });

  describe('configureCallbackServer checks its options before any call', () => {
    // Never called: the options are refused first.
    const api = new VkApi({ token: 'unused', baseUrl: 'http://127.0.0.1:9/method' });
    afterAll(() => api.close());
    const options = { url: 'https://bot.example.org/callback', groupId: 1, events: ['message_new' as const] };

    test.each([
      ['url', { url: 'bot.example.org/callback' }],
      ['groupId', { groupId: '1' }],
      ['events', { events: 'message_new' }],
      ['secretLength', { secretLength: 51 }],
      ['confirmTimeoutMs', { confirmTimeoutMs: -5 }],
      ['title', { title: 42 }],
    ])('%s', async (option, override) => {
      const error = await configError(() =>
        configureCallbackServer(api, { ...options, ...override } as Parameters<
          typeof configureCallbackServer
        >[1]),
      );
      expect(error.option).toBe(option);
      expect(error.message).not.toContain('unused');
    });

    test('event types are typed by the event map: a typo does not compile', async () => {
      await configError(() =>
        configureCallbackServer(api, {
          ...options,
          groupId: 0,
          // @ts-expect-error 'mesage_new' is not a VK event type
          events: ['mesage_new'],
        }),
      );
    });
  });
});
