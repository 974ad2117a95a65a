import type { RateLimiter, RateLimitGrant, RateLimitSlot } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import { RedisScript } from './connection.js';
import {
  LUA_NOW,
  milliseconds,
  RedisSource,
  RedisStoreClosedError,
  type RedisStoreOptions,
  randomToken,
} from './stores/redis-source.js';

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions extends RedisStoreOptions {
  /** Extra milliseconds added to each window, for network and clock granularity. @default 5 */
  marginMs?: number;
  /**
   * How long a grant counts as in flight when VkApi gives no `slot.leaseMs`: past it a grant whose
   * `done()` never came (its process died) counts as answered. @default 60000
   */
  defaultLeaseMs?: number;
  /** Longest pause between two checks while an earlier request of the window is in flight. @default 20 */
  pollMs?: number;
}

// The state of one token is one hash `<prefix>limiter:<slot.key>`: `seq` (grants so far), `next`
// (the planned time of the next grant), `pause` (no grant before it), and `g<seq>` for each of the
// last `limit` grants: `<lease end>:<id>` while in flight, `d<time>:<id>` once answered. Times are
// Redis's clock in ms, so every process plans on one clock. The rule is MemoryRateLimiter's: a
// request may go only when the one `limit` grants earlier was answered `window + margin` ago
// (VK counts arrivals, which fall between a grant and its answer), and grants are planned
// `window / limit` apart. Answers {1, seq} (granted) or {0, ms to wait}.
const ACQUIRE = new RedisScript(`${LUA_NOW}
local limit, window, margin, lease, poll = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[6])
local h = redis.call('HMGET', KEYS[1], 'seq', 'next', 'pause')
local seq, planned, paused = tonumber(h[1]) or 0, tonumber(h[2]) or 0, tonumber(h[3]) or 0
local at = math.max(planned, paused)
if seq + 1 - limit >= 1 then
  local g = redis.call('HGET', KEYS[1], 'g' .. (seq + 1 - limit))
  if g then
    local answered
    if string.sub(g, 1, 1) == 'd' then
      answered = tonumber(string.match(g, '^d([^:]+)'))
    else
      local ends = tonumber(string.match(g, '^([^:]+)'))
      if ends > now then return { 0, math.max(1, math.ceil(math.min(ends - now, poll))) } end
      answered = ends
    end
    at = math.max(at, answered + window + margin)
  end
end
if at > now then return { 0, math.max(1, math.ceil(at - now)) } end
seq = seq + 1
local spacing = window / limit
planned = math.max(at, now - math.min(spacing / 2, 5)) + spacing
redis.call('HSET', KEYS[1], 'seq', seq, 'next', planned, 'g' .. seq, (now + lease) .. ':' .. ARGV[5])
redis.call('HDEL', KEYS[1], 'g' .. (seq - limit))
redis.call('PEXPIRE', KEYS[1], math.ceil(lease + 2 * window + margin + math.max(0, paused - now)))
return { 1, seq }
`);

// Marks grant `seq` answered (only if it is still the one handed out with this id).
const DONE = new RedisScript(`${LUA_NOW}
local field = 'g' .. ARGV[1]
local g = redis.call('HGET', KEYS[1], field)
if not g or string.sub(g, 1, 1) == 'd' or string.match(g, ':(.*)$') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], field, 'd' .. now .. ':' .. ARGV[2])
return 1
`);

const PAUSE = new RedisScript(`${LUA_NOW}
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'pause')) or 0
if until_ > paused then redis.call('HSET', KEYS[1], 'pause', until_) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < tonumber(ARGV[1]) + 1000 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000) end
if ttl == -2 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000) end
return 1
`);

interface Waiter {
  readonly slot: RateLimitSlot;
  readonly resolve: (grant: RateLimitGrant) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

interface KeyQueue {
  waiters: Waiter[];
  running: boolean;
  /** Ends the current wait early (a waiter aborted, or the limiter closed). */
  wake: (() => void) | undefined;
}

/**
 * A rate limiter shared by every process that uses one token: together they stay within
 * `slot.limit` requests in every `slot.windowMs` (VK: 20/s for a community), by Redis's clock.
 * The same rule as `MemoryRateLimiter`, kept in Redis by one Lua script per grant, so it reaches
 * the same throughput. Keys: `<prefix>limiter:<slot.key>`, where VkApi's `slot.key` is the token's
 * fingerprint (never the token). Within a process, requests of one key wait in order and one of
 * them at a time asks Redis.
 *
 * @example
 * const limiter = new RedisRateLimiter({ redis: 'redis://127.0.0.1:6379' });
 * const api = new VkApi({ token, rateLimiter: limiter });
 * // ... every process using `token` does the same; at the end:
 * await api.close();
 * await limiter.close();
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly source: RedisSource;
  private readonly marginMs: number;
  private readonly defaultLeaseMs: number;
  private readonly pollMs: number;
  private readonly queues = new Map<string, KeyQueue>();
  private closed = false;

  constructor(options: RedisRateLimiterOptions) {
    this.source = new RedisSource('RedisRateLimiter', options);
    const marginMs = options.marginMs ?? 5;
    if (typeof marginMs !== 'number' || !Number.isFinite(marginMs) || marginMs < 0)
      throw new VkwireConfigError('RedisRateLimiter', 'marginMs', 'a number of milliseconds ≥ 0', {
        got: marginMs,
      });
    this.marginMs = marginMs;
    this.defaultLeaseMs = milliseconds(
      'RedisRateLimiter',
      'defaultLeaseMs',
      options.defaultLeaseMs ?? 60_000,
    );
    this.pollMs = milliseconds('RedisRateLimiter', 'pollMs', options.pollMs ?? 20);
  }

  acquire(slot: RateLimitSlot, signal: AbortSignal): Promise<RateLimitGrant> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(new RedisStoreClosedError('RedisRateLimiter'));
    if (!Number.isSafeInteger(slot.limit) || slot.limit < 1)
      return Promise.reject(
        new VkwireConfigError('RedisRateLimiter', 'slot.limit', 'a positive integer', { got: slot.limit }),
      );
    if (typeof slot.windowMs !== 'number' || !Number.isFinite(slot.windowMs) || slot.windowMs <= 0)
      return Promise.reject(
        new VkwireConfigError('RedisRateLimiter', 'slot.windowMs', 'a positive number of milliseconds', {
          got: slot.windowMs,
        }),
      );
    let queue = this.queues.get(slot.key);
    if (!queue) {
      queue = { waiters: [], running: false, wake: undefined };
      this.queues.set(slot.key, queue);
    }
    const owner = queue;
    return new Promise<RateLimitGrant>((resolve, reject) => {
      const waiter: Waiter = {
        slot,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = owner.waiters.indexOf(waiter);
          if (index >= 0) owner.waiters.splice(index, 1);
          // Nobody waits any more: the pending timer must not hold the process open.
          if (owner.waiters.length === 0) owner.wake?.();
          reject(signal.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      owner.waiters.push(waiter);
      if (!owner.running) void this.drain(slot.key, owner);
    });
  }

  async pause(key: string, ms: number): Promise<void> {
    const redisKey = this.key(key);
    await this.source.script(PAUSE, [redisKey], [milliseconds('RedisRateLimiter', 'ms', ms)]);
  }

  /**
   * Rejects the requests still waiting with RedisStoreClosedError and closes the connection if
   * this limiter opened it (a client or handle you passed stays open). Grants already given can
   * still be `done()` until then; after it their leases free them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const queue of this.queues.values()) {
      for (const waiter of queue.waiters.splice(0)) {
        waiter.signal?.removeEventListener('abort', waiter.onAbort);
        waiter.reject(new RedisStoreClosedError('RedisRateLimiter'));
      }
      queue.wake?.();
    }
    this.queues.clear();
    await this.source.close();
  }

  /** Asks Redis for the waiters of one key, oldest first, until none is left. */
  private async drain(key: string, queue: KeyQueue): Promise<void> {
    queue.running = true;
    try {
      while (queue.waiters.length > 0 && !this.closed) {
        const head = queue.waiters[0] as Waiter;
        const { slot } = head;
        const id = randomToken();
        const lease = Math.ceil(slot.leaseMs ?? this.defaultLeaseMs);
        let answer: unknown;
        try {
          answer = await this.source.script(
            ACQUIRE,
            [this.key(key)],
            [slot.limit, slot.windowMs, this.marginMs, lease, id, this.pollMs],
          );
        } catch (error) {
          // Redis failed past the store's retryForMs (a lost connection or a restart still loading
          // is retried; a repeat may count one request twice, which only slows the rate): that
          // fails only the request at the head; the next one asks again.
          const index = queue.waiters.indexOf(head);
          if (index >= 0) {
            queue.waiters.splice(index, 1);
            head.signal?.removeEventListener('abort', head.onAbort);
            head.reject(error);
          }
          continue;
        }
        const [granted, value] = answer as [number, number];
        if (granted === 1) {
          const grant = this.grant(key, value, id);
          // The head may have aborted meanwhile: the grant goes to the next in line, or back.
          const taker = queue.waiters.shift();
          if (!taker) {
            void Promise.resolve(grant.done()).catch(() => {});
            continue;
          }
          taker.signal?.removeEventListener('abort', taker.onAbort);
          taker.resolve(grant);
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, value);
          queue.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        queue.wake = undefined;
      }
    } finally {
      queue.running = false;
      if (queue.waiters.length === 0 && this.queues.get(key) === queue) this.queues.delete(key);
    }
  }

  private grant(key: string, seq: number, id: string): RateLimitGrant {
    let done = false;
    return {
      done: async () => {
        if (done) return;
        done = true;
        await this.source.script(DONE, [this.key(key)], [seq, id]);
      },
    };
  }

  private key(key: string): string {
    return `${this.source.prefix}limiter:${key}`;
  }
}
