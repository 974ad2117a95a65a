import { randomUUID } from 'node:crypto';
import {
  type Logger,
  type RateLimiter,
  type RateLimitSlot,
  tokenFingerprint,
  VkApi,
  type VkApiOptions,
  VkClosedError,
} from '@vkwire/api-client';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { connectRedis } from '../src/connection.js';
import { RedisRateLimiter } from '../src/limiter.js';

// The cases of api-client's limiter contract test, with RedisRateLimiter as the limiter.

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  vk: Sandbox;
  api: VkApi;
  limiter: RedisRateLimiter;
  prefix: string;
}

async function rig(
  wrap: (limiter: RedisRateLimiter) => RateLimiter,
  options: Partial<VkApiOptions> = {},
): Promise<Rig> {
  const vk = await createSandbox();
  const prefix = `test:${randomUUID()}:`;
  const limiter = new RedisRateLimiter({ redis: redisUrl(), prefix });
  const api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    rateLimiter: wrap(limiter),
    tokenType: 'group',
    ...options,
  });
  cleanups.push(async () => {
    await api.close();
    await limiter.close();
    await vk.close();
  });
  return { vk, api, limiter, prefix };
}

/** Records what VkApi asks the limiter, and passes it on. */
function recording(limiter: RedisRateLimiter) {
  const asked: Array<{ slot: RateLimitSlot; signal: AbortSignal }> = [];
  const wrapped: RateLimiter = {
    acquire: (slot, signal) => {
      asked.push({ slot, signal });
      return limiter.acquire(slot, signal);
    },
    pause: (key, ms) => limiter.pause(key, ms),
  };
  return { wrapped, asked };
}

describe('the rate limiter contract, as VkApi uses it, with RedisRateLimiter', () => {
  test('an aborted call stops its wait on the limiter: acquire gets a signal and sees it abort', async () => {
    let asked: ReturnType<typeof recording>['asked'] = [];
    const { api, vk, limiter } = await rig((limiter) => {
      const recorder = recording(limiter);
      asked = recorder.asked;
      return recorder.wrapped;
    });
    // Error 6 elsewhere: the key is paused for a minute, so the limiter holds the call.
    await limiter.pause(tokenFingerprint(vk.group.token), 60_000);
    const controller = new AbortController();
    const pending = api.call('users.get', {}, { signal: controller.signal });
    await expect.poll(() => asked.length).toBe(1);
    controller.abort(new Error('user gave up'));
    await expect(pending).rejects.toThrow('user gave up');
    expect(asked[0]?.signal.aborted).toBe(true);
  });

  test('close() interrupts a wait on a paused key, and the call fails with VkClosedError', async () => {
    let asked: ReturnType<typeof recording>['asked'] = [];
    const { api, vk, limiter } = await rig(
      (limiter) => {
        const recorder = recording(limiter);
        asked = recorder.asked;
        return recorder.wrapped;
      },
      { closeTimeoutMs: 100, logger: quiet },
    );
    await limiter.pause(tokenFingerprint(vk.group.token), 60_000);
    const pending = api.call('users.get').catch((caught: unknown) => caught);
    await expect.poll(() => asked.length).toBe(1);
    const started = performance.now();
    await api.close();
    expect(performance.now() - started).toBeLessThan(1000);
    const error = await pending;
    expect(error).toBeInstanceOf(VkClosedError);
    expect(error).toMatchObject({ code: 'closed', method: 'users.get' });
    expect(asked[0]?.signal.aborted).toBe(true);
  });

  test('a rejected acquire fails only the call it was for; the queued ones go on', async () => {
    const warnings: string[] = [];
    const { api } = await rig(
      (limiter) => {
        let acquires = 0;
        return {
          acquire: (slot, signal) => {
            acquires += 1;
            if (acquires === 2) return Promise.reject(new Error('redis is down'));
            return limiter.acquire(slot, signal);
          },
        };
      },
      { batching: false, logger: { ...quiet, warn: (_fields, message) => warnings.push(message ?? '') } },
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => api.call('groups.getById')));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: new Error('redis is down') });
    expect(warnings).toHaveLength(1);
  });

  test('grants are asked with a lease that outlasts a request, and every grant is answered in Redis', async () => {
    let asked: ReturnType<typeof recording>['asked'] = [];
    const { api, vk, prefix } = await rig(
      (limiter) => {
        const recorder = recording(limiter);
        asked = recorder.asked;
        return recorder.wrapped;
      },
      { batching: false, timeoutMs: 3000 },
    );
    await Promise.all([1, 2, 3].map(() => api.call('groups.getById')));
    expect(asked).toHaveLength(3);
    for (const { slot } of asked) {
      expect(slot.limit).toBe(20);
      expect(slot.leaseMs).toBeGreaterThan(3000);
      expect(slot.key).toBe(tokenFingerprint(vk.group.token));
    }
    const redis = await connectRedis(redisUrl(), 'test');
    const key = `${prefix}limiter:${tokenFingerprint(vk.group.token)}`;
    // Each grant is a field `g<n>`: `d<time>:<id>` once VkApi called its done().
    const answered = async () => {
      const reply = (await redis.run(key, ['HGETALL', key])) as Record<string, string> | string[];
      const values = Array.isArray(reply)
        ? reply.filter((_, index) => index % 2 === 1)
        : Object.values(reply);
      return values.filter((value) => /^d\d+:/.test(value)).length;
    };
    await expect.poll(answered).toBe(3);
    await redis.close();
  });
});
