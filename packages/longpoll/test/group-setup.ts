import { MemoryRateLimiter, VkApi } from '@vkwire/api-client';
import { createSandbox, type Sandbox, type SandboxOptions } from '@vkwire/sandbox';
import { GroupLongPoll, type GroupLongPollOptions } from '../src/index.js';

/** A sandbox, a client of its community, and polls that are all stopped at the end. */
export interface PollRig {
  vk: Sandbox;
  api: VkApi;
  poll(options?: Partial<GroupLongPollOptions>): GroupLongPoll;
  close(): Promise<void>;
}

export async function pollRig(sandboxOptions: SandboxOptions = {}): Promise<PollRig> {
  const vk = await createSandbox({ rateLimit: false, ...sandboxOptions });
  const api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    retry: { baseDelayMs: 10 },
  });
  const polls: GroupLongPoll[] = [];
  return {
    vk,
    api,
    poll: (options = {}) => {
      const poll = new GroupLongPoll({
        api,
        wait: 5,
        retry: { baseDelayMs: 10, maxDelayMs: 100 },
        ...options,
      });
      polls.push(poll);
      return poll;
    },
    close: async () => {
      await Promise.all(polls.map((poll) => poll.stop()));
      await api.close();
      await vk.close();
    },
  };
}

/** Resolves when `predicate` holds, checking every 5 ms (fails after `timeoutMs`). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
