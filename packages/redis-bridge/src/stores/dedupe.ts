import type { DedupeClaim, DedupeStore } from '@vkwire/core';
import { RedisScript } from '../connection.js';
import { milliseconds, RedisSource, type RedisStoreOptions, randomToken } from './redis-source.js';

// A claim sent again after a lost reply finds its own owner and is granted again; a release sent
// again answers false. One key per deduplicated key: `c:<owner>` while claimed (expires with the lease), `d:<owner>`
// once handled (expires with the ttl). One key per script, so any Cluster slot serves it.
const CLAIM = new RedisScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'c:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == 'c:' .. ARGV[1] then return 1 end
if string.sub(v, 1, 2) == 'd:' then return 2 end
return 3
`);

// Written whatever the state; true when the caller still held the claim, or nobody held or
// completed it since it lapsed.
const COMPLETE = new RedisScript(`
local v = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], 'd:' .. ARGV[1], 'PX', ARGV[2])
if not v then return 1 end
if v == 'c:' .. ARGV[1] or v == 'd:' .. ARGV[1] then return 1 end
return 0
`);

const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == 'c:' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

const DONE: DedupeClaim = Object.freeze({ state: 'done' });
const IN_PROGRESS: DedupeClaim = Object.freeze({ state: 'in_progress' });

/**
 * A {@link DedupeStore} on Redis, shared by every process that handles the same events: a claim
 * is one key `<prefix>dedupe:<key>` holding its owner, expiring with the lease; `complete`
 * replaces it with a done mark expiring with the ttl. Each operation is one Lua script on one key,
 * so it is atomic and works unchanged on a Cluster.
 *
 * @example
 * const dedupe = new RedisDedupeStore({ redis: 'redis://127.0.0.1:6379' });
 * const claim = await dedupe.claim(`218734561:${eventId}`, 60_000);
 * if (claim.state === 'claimed') {
 *   try { await handle(); await dedupe.complete(`218734561:${eventId}`, claim.owner, 6 * 3600_000); }
 *   catch (error) { await dedupe.release(`218734561:${eventId}`, claim.owner); throw error; }
 * }
 * await dedupe.close();
 */
export class RedisDedupeStore implements DedupeStore {
  private readonly source: RedisSource;

  constructor(options: RedisStoreOptions) {
    this.source = new RedisSource('RedisDedupeStore', options);
  }

  async claim(key: string, leaseMs: number): Promise<DedupeClaim> {
    const px = milliseconds('RedisDedupeStore', 'leaseMs', leaseMs);
    const owner = randomToken();
    const answer = await this.source.script(CLAIM, [this.key(key)], [owner, px]);
    if (answer === 1) return { state: 'claimed', owner };
    return answer === 2 ? DONE : IN_PROGRESS;
  }

  async complete(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const px = milliseconds('RedisDedupeStore', 'ttlMs', ttlMs);
    return (await this.source.script(COMPLETE, [this.key(key)], [owner, px])) === 1;
  }

  async release(key: string, owner: string): Promise<boolean> {
    return (await this.source.script(RELEASE, [this.key(key)], [owner])) === 1;
  }

  /** Closes the connection if this store opened it (a client or handle you passed stays open). */
  close(): Promise<void> {
    return this.source.close();
  }

  private key(key: string): string {
    return `${this.source.prefix}dedupe:${key}`;
  }
}
