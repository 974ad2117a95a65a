import { MemoryRateLimiter, VkApi } from '@vkwire/api-client';
import { silentLogger } from '@vkwire/core';
import { createSandbox, type Sandbox, type SandboxOptions } from '@vkwire/sandbox';
import {
  GroupLongPoll,
  type GroupLongPollOptions,
  UserLongPoll,
  type UserLongPollOptions,
} from '../src/index.js';

/** A sandbox, a client of it, and polls that are all stopped at the end. */
export interface Rig<Poll, Options> {
  vk: Sandbox;
  api: VkApi;
  poll(options?: Partial<Options>): Poll;
  close(): Promise<void>;
}

/**
 * Options every test poll gets: short waits, fast retries, and no stderr output (tests of the
 * stderr fallback pass `logger: undefined`).
 */
const FAST = { wait: 5, retry: { baseDelayMs: 10, maxDelayMs: 100 }, logger: silentLogger } as const;

async function rig<Poll extends { stop(): Promise<unknown> }, Options>(
  make: (api: VkApi, options: Partial<Options>) => Poll,
  sandboxOptions: SandboxOptions,
  token: (vk: Sandbox) => string,
): Promise<Rig<Poll, Options>> {
  const vk = await createSandbox({ rateLimit: false, ...sandboxOptions });
  const api = new VkApi({
    token: token(vk),
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    retry: { baseDelayMs: 10 },
  });
  const polls: Poll[] = [];
  return {
    vk,
    api,
    poll: (options = {}) => {
      const poll = make(api, options);
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

export type PollRig = Rig<GroupLongPoll, GroupLongPollOptions>;
export type UserRig = Rig<UserLongPoll, UserLongPollOptions>;

/** Bots Long Poll of the sandbox's community. */
export function pollRig(sandboxOptions: SandboxOptions = {}): Promise<PollRig> {
  return rig<GroupLongPoll, GroupLongPollOptions>(
    (api, options) => new GroupLongPoll({ api, ...FAST, ...options }),
    sandboxOptions,
    (vk) => vk.group.token,
  );
}

/** User Long Poll of the sandbox's community, or of the account whose token `token` picks. */
export function userRig(token: (vk: Sandbox) => string = (vk) => vk.group.token): Promise<UserRig> {
  return rig<UserLongPoll, UserLongPollOptions>(
    (api, options) => new UserLongPoll({ api, ...FAST, ...options }),
    {},
    token,
  );
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
