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
}

/** Fills in the defaults. */
export function resolveOptions(options: SandboxOptions = {}): ResolvedSandboxOptions {
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
  };
}
