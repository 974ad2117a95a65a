import { VkwireConfigError } from '@vkwire/core';
import { describe, expect, test } from 'vitest';
import {
  createMemoryNameResolver,
  type MemoryNameResolverEntries,
  normalize,
  normalizeBatch,
  normalizeSync,
  parseUpdate,
  type VkNameResolver,
} from '../src/index.js';
import { fixture } from './helpers.js';

// Bad options are VkwireConfigError (code 'invalid_option') naming the option, not a TypeError from
// deep inside (`prefixes.filter is not a function`).

function configError(run: () => unknown): VkwireConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof VkwireConfigError) return error;
    throw new Error(`expected a VkwireConfigError, got ${String(error)}`);
  }
  throw new Error('expected a VkwireConfigError, nothing was thrown');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const message = () => parseUpdate(fixture('events/message_new.plain.json'));

describe('normalizing rejects bad options with a VkwireConfigError', () => {
  test('prefixes that are not an array of strings', () => {
    const error = configError(() => normalizeSync(message(), { prefixes: '/' as unknown as string[] }));
    expect(error.code).toBe('invalid_option');
    expect(error.option).toBe('prefixes');
    expect(error.message).toContain('an array of strings');
    expect(
      configError(() => normalizeSync(message(), { prefixes: ['/', 1 as unknown as string] })).option,
    ).toBe('prefixes');
  });

  test('a resolver without resolveUsers/resolvePeers', async () => {
    const resolver = { resolveUsers: async () => new Map() } as unknown as VkNameResolver;
    const single = await rejection(normalize(message(), { resolver }));
    expect(single).toBeInstanceOf(VkwireConfigError);
    expect((single as VkwireConfigError).option).toBe('resolver');
    const batch = await rejection(normalizeBatch([message()], { resolver }));
    expect((batch as VkwireConfigError).option).toBe('resolver');
  });

  test('memory resolver entries that are not iterable', () => {
    const entries = { users: { 1: 'x' } } as unknown as MemoryNameResolverEntries;
    const error = configError(() => createMemoryNameResolver(entries));
    expect(error.option).toBe('users');
  });
});
