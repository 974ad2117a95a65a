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
// script call, each answered on its own (a key that is not a hash answers its error). ARGV[1] the
// retention; fields per call: token and ttl (acquire), token (release).
const ACQUIRE = batchScript(`
for i = 1, #KEYS do
  local key, token = KEYS[i], F[2 * i - 1]
  local h = redis.pcall('HMGET', key, 't', 'e', 'f')
  local answer
  if h.err then
    answer = h
  elseif h[1] and tonumber(h[2]) > now then
    if h[1] == token then answer = tonumber(h[3]) else answer = now - tonumber(h[2]) end
  else
    local ttl = F[2 * i]
    answer = (tonumber(h[3]) or now) + 1
    -- Only a script's first write can fail (Redis out of memory): then nothing was written.
    local w = redis.pcall('HSET', key, 't', token, 'e', expiresAt(ttl), 'f', answer)
    if type(w) == 'table' then answer = w else redis.call('PEXPIRE', key, keepFor(ttl)) end
  end
  out[i] = answer
end
`);

const RENEW = new RedisScript(`${LUA_NOW}
local h = redis.call('HMGET', KEYS[1], 't', 'e')
if h[1] ~= ARGV[1] or tonumber(h[2]) <= now then return 0 end
redis.call('HSET', KEYS[1], 'e', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]))
return 1
`);

const RELEASE = batchScript(`
for i = 1, #KEYS do
  local key = KEYS[i]
  local h = redis.pcall('HMGET', key, 't', 'e')
  if h.err then
    out[i] = h
  elseif h[1] ~= F[i] then
    out[i] = 0
  else
    redis.call('HDEL', key, 't', 'e')
    redis.call('PEXPIRE', key, ARGV[1])
    if tonumber(h[2]) <= now then out[i] = 0 else out[i] = 1 end
  end
end
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
    this.retentionMs = milliseconds(
      'RedisLease',
      'fenceRetentionMs',
      options.fenceRetentionMs ?? 604_800_000,
    );
    this.acquires = new ScriptBatch(this.source, ACQUIRE, String(this.retentionMs));
    this.releases = new ScriptBatch(this.source, RELEASE, String(this.retentionMs));
  }

  acquire(key: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.ask(key, ttlMs, (token, fence) => (fence > 0 ? { token, fence } : null));
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
  acquireOrWait(key: string, ttlMs: number): Promise<LeaseGrant | { heldForMs: number }> {
    return this.ask(key, ttlMs, (token, fence) => (fence > 0 ? { token, fence } : { heldForMs: -fence }));
  }

  /** One acquire in this turn's batch: `outcome` of the fence (minus the ms left when held by another). */
  private ask<T>(key: string, ttlMs: number, outcome: (token: string, fence: number) => T): Promise<T> {
    let px: number;
    try {
      px = milliseconds('RedisLease', 'ttlMs', ttlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const token = randomToken();
    return this.acquires.run([this.key(key)], [token, String(px)], 1, (list, at) => {
      const fence = list[at];
      if (typeof fence !== 'number')
        throw new TypeError(`RedisLease: the acquire script answered ${String(fence)}`);
      return outcome(token, fence);
    });
  }

  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    const px = milliseconds('RedisLease', 'ttlMs', ttlMs);
    return (await this.source.script(RENEW, [this.key(key)], [token, px, this.retentionMs])) === 1;
  }

  release(key: string, token: string): Promise<boolean> {
    // Not a token of ours (they never hold a line break, which would break the batch's fields).
    if (typeof token !== 'string' || token.includes('\n')) return Promise.resolve(false);
    return this.releases.run([this.key(key)], [token], 1, isOne);
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

function isOne(list: readonly unknown[], at: number): boolean {
  return list[at] === 1;
}
