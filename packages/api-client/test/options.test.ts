import { VK_API_VERSION, VkwireConfigError } from '@vkwire/core';
import { afterEach, describe, expect, test } from 'vitest';
import { MemoryRateLimiter, VkApi, type VkApiOptions } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const TOKEN = 'vk1.a.secret-token-value';

function configError(make: () => unknown): VkwireConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(VkwireConfigError);
    return error as VkwireConfigError;
  }
  throw new Error('no error was thrown');
}

describe('options', () => {
  test.each<[string, Record<string, unknown>]>([
    ['token', { token: '' }],
    ['token', { token: 42 }],
    ['baseUrl', { baseUrl: 'api.vk.com/method' }],
    ['baseUrl', { baseUrl: 'ftp://api.vk.com/method' }],
    ['version', { version: 5.199 }],
    ['tokenType', { tokenType: 'community' }],
    ['requestsPerSecond', { requestsPerSecond: 0 }],
    ['rateLimiter', { rateLimiter: {} }],
    ['batching', { batching: 'yes' }],
    ['retry.attempts', { retry: { attempts: 0 } }],
    ['retry.baseDelayMs', { retry: { baseDelayMs: -1 } }],
    ['timeoutMs', { timeoutMs: Number.NaN }],
    ['closeTimeoutMs', { closeTimeoutMs: -5 }],
    ['onCaptcha', { onCaptcha: 'solve' }],
    ['logger', { logger: console.log }],
    ['language', { language: 7 }],
  ])('a bad `%s` is a VkwireConfigError naming it', (option, overrides) => {
    const error = configError(() => new VkApi({ token: TOKEN, ...overrides } as unknown as VkApiOptions));
    expect(error.code).toBe('invalid_option');
    expect(error.option).toBe(option);
    expect(error.message).toMatch(new RegExp(`^VkApi: \`${option.replace('.', '\\.')}\` must be`));
    expect(error.message).not.toContain(TOKEN);
  });

  test('a token of the wrong type is described by its type only', () => {
    const error = configError(() => new VkApi({ token: ['vk1.a.array'] } as unknown as VkApiOptions));
    expect(error.message).toMatch(/^VkApi: `token` must be a non-empty string, got an object$/);
    expect(error.message).not.toContain('vk1.a.array');
  });

  test('MemoryRateLimiter checks its margin', () => {
    expect(configError(() => new MemoryRateLimiter({ marginMs: -1 })).option).toBe('marginMs');
  });

  test('closeTimeoutMs may be Infinity, and the defaults construct', () => {
    expect(() => new VkApi({ token: TOKEN, closeTimeoutMs: Number.POSITIVE_INFINITY })).not.toThrow();
    expect(() => new VkApi({ token: TOKEN })).not.toThrow();
  });

  test('every call says the API version vkwire speaks (VK_API_VERSION)', async () => {
    current = await rig({ tokenType: 'group' });
    await current.api.call('groups.getById');
    expect(current.vk.calls({ method: 'groups.getById' })[0]?.params.v).toBe(VK_API_VERSION);
  });
});
