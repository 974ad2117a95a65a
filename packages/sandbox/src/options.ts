import { VkwireConfigError } from '@vkwire/core';
import {
  type CallbackPusherOptions,
  type ResolvedCallbackPusherOptions,
  resolveCallbackOptions,
} from './callback/pusher.js';
import type { RateLimitOptions } from './rate-limit.js';
import type { GroupOptions, UserOptions } from './world/world.js';

/** Options of `createSandbox`. Everything has a default; `createSandbox()` is a working VK. */
export interface SandboxOptions {
  /** Port to listen on. @default 0 (an ephemeral port) */
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  hostname?: string;
  /** Communities to create; the first is `vk.group`. @default one community */
  groups?: GroupOptions[];
  /** Users to create up front (others are created on first use of `vk.user(id)`). */
  users?: UserOptions[];
  /** Per-token requests per second, or `false` for no limit. @default { group: 20, user: 3 } */
  rateLimit?: RateLimitOptions | false;
  /** Bots Long Poll tuning. */
  longPoll?: {
    /** Events kept per community. @default 100000 */
    historySize?: number;
    /** Most events in one answer. @default 100 */
    maxBatch?: number;
    /** Lifetime of a key from `groups.getLongPollServer`. @default 3600000 (an hour) */
    keyTtlMs?: number;
  };
  /** How long a callback button press can be answered. @default 60000 */
  eventAnswerTtlMs?: number;
  /** API calls kept for `vk.calls()`. @default 10000 */
  callLogSize?: number;
  /** Keep every emitted event for `vk.events()`. Turn off for huge benchmarks. @default true */
  recordEvents?: boolean;
  /** Callback API pusher tuning: retry schedule, timeouts (short ones make tests fast). */
  callback?: CallbackPusherOptions;
  /**
   * Serve the chat page at `/` (`vk.chatUrl`): talk to your bot in a browser as simulated users.
   * @default false
   */
  chat?: boolean;
  /**
   * Benchmark mode closer to VK: every long poll answer is built per request (the kept events are
   * parsed and the answer serialized again, as VK assembles answers from its storage, instead of
   * writing the stored bytes as they are), and `bulk.messages` without `userIds` spreads its
   * messages over 1000 private dialogs instead of 100. Clients then meet VK's costs: a slower
   * answer, and events of many conversations interleaved. @default false
   */
  vkLike?: boolean;
}

/** Options with every default filled in. */
export interface ResolvedSandboxOptions {
  port: number;
  hostname: string;
  groups: GroupOptions[];
  users: UserOptions[];
  rateLimit: RateLimitOptions | false;
  longPoll: { historySize: number; maxBatch: number; keyTtlMs: number };
  eventAnswerTtlMs: number;
  callLogSize: number;
  recordEvents: boolean;
  callback: ResolvedCallbackPusherOptions;
  chat: boolean;
  vkLike: boolean;
}

const COMPONENT = 'createSandbox';

/**
 * Checks the options and fills in the defaults.
 *
 * @throws {VkwireConfigError} (`code: 'invalid_option'`) naming the first option that is wrong.
 */
export function resolveOptions(options: SandboxOptions = {}): ResolvedSandboxOptions {
  if (typeof options !== 'object' || options === null) {
    throw new VkwireConfigError(COMPONENT, 'options', 'an object', { got: options });
  }
  checkOptions(options);
  return {
    port: options.port ?? 0,
    hostname: options.hostname ?? '127.0.0.1',
    groups: options.groups && options.groups.length > 0 ? options.groups : [{}],
    users: options.users ?? [],
    rateLimit: options.rateLimit === undefined ? { group: 20, user: 3 } : options.rateLimit,
    longPoll: {
      historySize: options.longPoll?.historySize ?? 100_000,
      maxBatch: options.longPoll?.maxBatch ?? 100,
      keyTtlMs: options.longPoll?.keyTtlMs ?? 3_600_000,
    },
    eventAnswerTtlMs: options.eventAnswerTtlMs ?? 60_000,
    callLogSize: options.callLogSize ?? 10_000,
    recordEvents: options.recordEvents ?? true,
    callback: resolveCallbackOptions(options.callback),
    chat: options.chat ?? false,
    vkLike: options.vkLike ?? false,
  };
}

// Checked up front: a bad value would otherwise surface later as a bare RangeError from node:net, a
// sandbox that never answers (maxBatch 0) or NaN timers.
function checkOptions(options: SandboxOptions): void {
  const { port, hostname, groups, users, rateLimit, longPoll, callback } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new VkwireConfigError(COMPONENT, 'port', 'an integer from 0 to 65535', { got: port });
  }
  if (hostname !== undefined && (typeof hostname !== 'string' || hostname === '')) {
    throw new VkwireConfigError(COMPONENT, 'hostname', 'a non-empty string', { got: hostname });
  }
  if (groups !== undefined && !Array.isArray(groups)) {
    throw new VkwireConfigError(COMPONENT, 'groups', 'an array of community options', { got: groups });
  }
  if (users !== undefined && !Array.isArray(users)) {
    throw new VkwireConfigError(COMPONENT, 'users', 'an array of user options', { got: users });
  }
  if (rateLimit !== undefined && rateLimit !== false) {
    if (typeof rateLimit !== 'object' || rateLimit === null) {
      throw new VkwireConfigError(COMPONENT, 'rateLimit', 'an object or false', { got: rateLimit });
    }
    positive('rateLimit.group', rateLimit.group);
    positive('rateLimit.user', rateLimit.user);
    positive('rateLimit.windowMs', rateLimit.windowMs);
  }
  positiveInteger('longPoll.historySize', longPoll?.historySize);
  positiveInteger('longPoll.maxBatch', longPoll?.maxBatch);
  positive('longPoll.keyTtlMs', longPoll?.keyTtlMs);
  positive('eventAnswerTtlMs', options.eventAnswerTtlMs);
  positiveInteger('callLogSize', options.callLogSize);
  if (options.recordEvents !== undefined && typeof options.recordEvents !== 'boolean') {
    throw new VkwireConfigError(COMPONENT, 'recordEvents', 'a boolean', { got: options.recordEvents });
  }
  if (options.chat !== undefined && typeof options.chat !== 'boolean') {
    throw new VkwireConfigError(COMPONENT, 'chat', 'a boolean', { got: options.chat });
  }
  if (options.vkLike !== undefined && typeof options.vkLike !== 'boolean') {
    throw new VkwireConfigError(COMPONENT, 'vkLike', 'a boolean', { got: options.vkLike });
  }
  if (callback !== undefined) {
    const delays = callback.retryDelaysMs;
    if (delays !== undefined && !(Array.isArray(delays) && delays.every(isNonNegative))) {
      throw new VkwireConfigError(
        COMPONENT,
        'callback.retryDelaysMs',
        'an array of milliseconds (numbers >= 0)',
        {
          got: delays,
        },
      );
    }
    positive('callback.timeoutMs', callback.timeoutMs);
    nonNegative('callback.retryAfterUnitMs', callback.retryAfterUnitMs);
    nonNegative('callback.maxRetryAfterSeconds', callback.maxRetryAfterSeconds);
    positiveInteger('callback.logSize', callback.logSize);
  }
}

function isNonNegative(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function positive(option: string, value: unknown): void {
  if (value !== undefined && !(isNonNegative(value) && (value as number) > 0)) {
    throw new VkwireConfigError(COMPONENT, option, 'a positive number', { got: value });
  }
}

function nonNegative(option: string, value: unknown): void {
  if (value !== undefined && !isNonNegative(value)) {
    throw new VkwireConfigError(COMPONENT, option, 'a number >= 0', { got: value });
  }
}

function positiveInteger(option: string, value: unknown): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
    throw new VkwireConfigError(COMPONENT, option, 'a positive integer', { got: value });
  }
}
