import { randomUUID } from 'node:crypto';
import { VkApi } from '@vkwire/api-client';
import { createSandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { RedisRateLimiter } from '../src/limiter.js';

test('a process still detecting its token is not starved by busy processes of the same token', async () => {
  // A bus worker joining a busy fleet: the others keep the token's window full at 20 a second. The
  // newcomer's first call waits for the token's detection, which was paced at the user rate (3 a
  // second) and so never found room while the others ran (the example bot's pipeline hung on it).
  const vk = await createSandbox();
  const prefix = `test:${randomUUID()}:`;
  const busyLimiter = new RedisRateLimiter({ redis: redisUrl(), prefix });
  const newLimiter = new RedisRateLimiter({ redis: redisUrl(), prefix });
  const busy = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    tokenType: 'group',
    batching: false,
    rateLimiter: busyLimiter,
  });
  const newcomer = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl, rateLimiter: newLimiter });
  try {
    let done = 0;
    const burst = Promise.all(Array.from({ length: 120 }, () => busy.users.get().then(() => (done += 1))));
    await expect.poll(() => done).toBeGreaterThan(10); // the window is full by now
    await newcomer.users.get();
    // It got through while the busy client's 120 calls (6 s at 20 a second) were still going.
    expect(done).toBeLessThan(120);
    await burst;
    expect(vk.rateLimited(vk.group.token)).toBe(0);
  } finally {
    await newcomer.close();
    await busy.close();
    await newLimiter.close();
    await busyLimiter.close();
    await vk.close();
  }
});
