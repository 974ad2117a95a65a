import { VkwireConfigError } from '@vkwire/core';
import { afterEach, describe, expect, test } from 'vitest';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

// Timeouts are often computed (`deadline - performance.now()` is fractional); `Infinity` is the
// natural "no limit" (closeTimeoutMs takes it). None of them may turn into a network failure.
describe('timeoutMs values', () => {
  test('a fractional client timeoutMs works', async () => {
    current = await rig({ tokenType: 'group', timeoutMs: 2500.5 });
    const { groups } = await current.api.groups.getById();
    expect(groups?.[0]?.id).toBe(current.vk.group.id);
  });

  test('a fractional or infinite per-call timeoutMs works', async () => {
    current = await rig({ tokenType: 'group', retry: { attempts: 1 } });
    const { api, vk } = current;
    const fractional = await api.groups.getById({}, { timeoutMs: 1000.7 });
    expect(fractional.groups?.[0]?.id).toBe(vk.group.id);
    vk.faults.inject('api', { kind: 'delay', ms: 200 });
    const unbounded = await api.groups.getById({}, { timeoutMs: Number.POSITIVE_INFINITY });
    expect(unbounded.groups?.[0]?.id).toBe(vk.group.id);
  });

  test('a per-call timeoutMs that is no duration fails at once with VkwireConfigError, nothing sent', async () => {
    current = await rig({ tokenType: 'group' });
    const { api, vk } = current;
    for (const timeoutMs of [-5, 0, Number.NaN]) {
      const started = performance.now();
      const error = await api.groups.getById({}, { timeoutMs }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VkwireConfigError);
      expect((error as VkwireConfigError).option).toBe('timeoutMs');
      expect(performance.now() - started).toBeLessThan(100);
    }
    expect(vk.calls()).toEqual([]);
  });
});
