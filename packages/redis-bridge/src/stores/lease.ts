import type { Lease, LeaseGrant } from '@vkwire/core';
import { RedisScript } from '../connection.js';
import { LUA_NOW, milliseconds, RedisSource, type RedisStoreOptions, randomToken } from './redis-source.js';
import { batchScript, ScriptBatch } from './script-batch.js';

/** Options of {@link RedisLease}. */
export interface RedisLeaseOptions extends RedisStoreOptions {
  /**
   * How long a lease's fence counter is kept after the lease was released or ran out. Even past
   * it fences keep growing (a counter started afresh starts from Redis's clock in ms), so this only
   * bounds memory. @default 604800000 (7 days)
   */
  fenceRetentionMs?: number;
}

// A lease is one hash: `t` the holder's token, `e` when it runs out by Redis's clock, `f` the last
// fence. The fence outlives the holder; a counter that expired starts again from the clock in ms,
// above every fence handed out before, so fences only grow. An acquire sent again after a lost reply
// finds its own token and gets the same grant; a release sent again answers false. A lease held by
// another answers minus the milliseconds it has left (fences are positive). One key per call
// (Cluster-safe); on a single Redis the acquires (and releases) of one event-loop turn share a
// script call.
const ACQUIRE = batchScript(`
local h = redis.call('HMGET', KEYS[1], 't', 'e', 'f')
if h[1] == ARGV[1] and tonumber(h[2]) > now then return tonumber(h[3]) end
if h[1] and tonumber(h[2]) > now then return -(tonumber(h[2]) - now) end
local fence = (tonumber(h[3]) or now) + 1
redis.call('HSET', KEYS[1], 't', ARGV[1], 'e', now + tonumber(ARGV[2]), 'f', fence)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]))
return fence
`);

const RENEW = new RedisScript(`${LUA_NOW}
local h = redis.call('HMGET', KEYS[1], 't', 'e')
if h[1] ~= ARGV[1] or tonumber(h[2]) <= now then return 0 end
redis.call('HSET', KEYS[1], 'e', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]))
return 1
`);

const RELEASE = batchScript(`
local h = redis.call('HMGET', KEYS[1], 't', 'e')
if h[1] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 't', 'e')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if tonumber(h[2]) <= now then return 0 end
return 1
`);

/**
 * A {@link Lease} on Redis: one holder per key across every process, for `ttlMs` by Redis's clock
 * (no process's clock matters), with a fence that grows with every grant. For the fetcher's
 * one-active-poller rule and per-conversation isolation across workers. Keys:
 * `<prefix>lease:<key>`, one per call (Cluster-safe); on a single Redis the acquires and releases
 * made in one turn of the event loop go in one script call each.
 *
 * @example
 * const lease = new RedisLease({ redis: 'redis://127.0.0.1:6379' });
 * const grant = await lease.acquire('longpoll:218734561', 30_000);
 * if (grant) { await lease.renew('longpoll:218734561', grant.token, 30_000); await lease.release('longpoll:218734561', grant.token); }
 */
export class RedisLease implements Lease {
  private readonly source: RedisSource;
  private readonly retentionMs: number;
  private readonly acquires: ScriptBatch;
  private readonly releases: ScriptBatch;

  constructor(options: RedisLeaseOptions) {
    this.source = new RedisSource('RedisLease', options);
    this.acquires = new ScriptBatch(this.source, ACQUIRE);
    this.releases = new ScriptBatch(this.source, RELEASE);
    this.retentionMs = milliseconds(
      'RedisLease',
      'fenceRetentionMs',
      options.fenceRetentionMs ?? 604_800_000,
    );
  }

  async acquire(key: string, ttlMs: number): Promise<LeaseGrant | null> {
    const outcome = await this.acquireOrWait(key, ttlMs);
    return 'fence' in outcome ? outcome : null;
  }

  /**
   * {@link acquire}, telling a loser how long to wait: when another holds the lease, resolves with
   * the milliseconds it has left by Redis's clock (unless renewed), so a standby can ask again
   * then instead of polling. One script call, as `acquire`.
   *
   * @example
   * const outcome = await lease.acquireOrWait('fetcher:1', 10_000);
   * if ('heldForMs' in outcome) await sleep(outcome.heldForMs);
   */
  async acquireOrWait(key: string, ttlMs: number): Promise<LeaseGrant | { heldForMs: number }> {
    const px = milliseconds('RedisLease', 'ttlMs', ttlMs);
    const token = randomToken();
    const fence = await this.acquires.run([this.key(key)], [token, px, this.retentionMs]);
    if (typeof fence !== 'number')
      throw new TypeError(`RedisLease: the acquire script answered ${String(fence)}`);
    return fence > 0 ? { token, fence } : { heldForMs: -fence };
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    const px = milliseconds('RedisLease', 'ttlMs', ttlMs);
    return (await this.source.script(RENEW, [this.key(key)], [token, px, this.retentionMs])) === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    return (await this.releases.run([this.key(key)], [token, this.retentionMs])) === 1;
  }

  /** Closes the connection if this store opened it (a client or handle you passed stays open). */
  close(): Promise<void> {
    this.acquires.flush();
    this.releases.flush();
    return this.source.close();
  }

  private key(key: string): string {
    return `${this.source.prefix}lease:${key}`;
  }
}
