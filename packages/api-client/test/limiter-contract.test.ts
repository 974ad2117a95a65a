import { afterEach, describe, expect, test } from 'vitest';
import {
  type Logger,
  MemoryRateLimiter,
  type RateLimiter,
  type RateLimitGrant,
  type RateLimitSlot,
  VkClosedError,
} from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** A limiter that never grants; it records what it was asked and rejects when the signal aborts. */
function stuckLimiter(honoursSignal: boolean) {
  const asked: Array<{ slot: RateLimitSlot; signal: AbortSignal }> = [];
  const limiter: RateLimiter = {
    acquire: (slot, signal) => {
      asked.push({ slot, signal });
      return new Promise<RateLimitGrant>((_resolve, reject) => {
        if (honoursSignal) signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
  };
  return { limiter, asked };
}

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

describe('the rate limiter contract, as VkApi uses it', () => {
  test('an aborted call stops its wait on the limiter: acquire gets a signal and sees it abort', async () => {
    const { limiter, asked } = stuckLimiter(true);
    current = await rig({ rateLimiter: limiter, tokenType: 'group' });
    const controller = new AbortController();
    const pending = current.api.call('users.get', {}, { signal: controller.signal });
    await expect.poll(() => asked.length).toBe(1);
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
    expect(asked[0]?.signal.aborted).toBe(true);
  });

  test('close() interrupts a wait on a limiter that never grants, and the call fails with VkClosedError', async () => {
    const { limiter, asked } = stuckLimiter(true);
    current = await rig({ rateLimiter: limiter, tokenType: 'group', closeTimeoutMs: 100, logger: quiet });
    const pending = current.api.call('users.get').catch((caught: unknown) => caught);
    await expect.poll(() => asked.length).toBe(1);
    await current.api.close();
    const error = await pending;
    expect(error).toBeInstanceOf(VkClosedError);
    expect(error).toMatchObject({ code: 'closed', method: 'users.get' });
    expect(asked[0]?.signal.aborted).toBe(true);
  });

  test('a limiter that ignores the signal cannot hold close() past closeTimeoutMs', async () => {
    const { limiter } = stuckLimiter(false);
    current = await rig({ rateLimiter: limiter, tokenType: 'group', closeTimeoutMs: 100, logger: quiet });
    const pending = current.api.call('users.get').catch((caught: unknown) => caught);
    const started = performance.now();
    await current.api.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(VkClosedError);
  });

  test('a rejected acquire fails only the call it was for; the queued ones go on', async () => {
    const memory = new MemoryRateLimiter();
    let acquires = 0;
    const warnings: string[] = [];
    const limiter: RateLimiter = {
      acquire: (slot, signal) => {
        acquires += 1;
        if (acquires === 2) return Promise.reject(new Error('redis is down'));
        return memory.acquire(slot, signal);
      },
    };
    current = await rig({
      rateLimiter: limiter,
      tokenType: 'group',
      batching: false,
      logger: { ...quiet, warn: (_fields, message) => warnings.push(message ?? '') },
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => current?.api.call('groups.getById')));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: new Error('redis is down') });
    expect(warnings).toHaveLength(1);
  });

  test('grants are asked with a lease that outlasts a request, and may be answered asynchronously', async () => {
    const memory = new MemoryRateLimiter();
    const slots: RateLimitSlot[] = [];
    let released = 0;
    const errors: string[] = [];
    const limiter: RateLimiter = {
      // A sync grant whose done() answers with a promise, the second time with a rejection.
      acquire: (slot) => {
        slots.push(slot);
        return {
          done: async () => {
            released += 1;
            if (released === 2) throw new Error('lost the connection');
          },
        };
      },
      pause: (key, ms) => memory.pause(key, ms),
    };
    current = await rig({
      rateLimiter: limiter,
      tokenType: 'group',
      batching: false,
      timeoutMs: 3000,
      logger: { ...quiet, error: (_fields, message) => errors.push(message ?? '') },
    });
    await Promise.all([1, 2, 3].map(() => current?.api.call('groups.getById')));
    expect(slots).toHaveLength(3);
    for (const slot of slots) {
      expect(slot.limit).toBe(20);
      expect(slot.leaseMs).toBeGreaterThan(3000);
    }
    expect(released).toBe(3);
    expect(errors).toEqual(['vk api rate limiter failed to release a grant (its lease frees it)']);
  });
});
