import type { KeyValueSetOptions, KeyValueStore, VersionedValue } from '@vkwire/core';
import { VkwireConfigError } from '@vkwire/core';
import { RedisScript } from '../connection.js';
import { LUA_NOW, milliseconds, RedisSource, type RedisStoreOptions, randomToken } from './redis-source.js';

/** Options of {@link RedisStorage}. */
export interface RedisStorageOptions extends RedisStoreOptions {
  /**
   * How long a key's version is kept after the key was deleted or expired, so that a writer still
   * holding a version read before cannot write the key back (its `ifVersion` no longer matches).
   * Past it the key's versions may start again from 1. @default 604800000 (7 days)
   */
  versionRetentionMs?: number;
}

// A key is one hash: `d` the JSON value, `n` the version, `e` the expiry by Redis's clock (absent:
// never), `w` the token of the last write (a write sent again after a lost reply finds it and is not
// applied twice). Deleting or expiring a value keeps `n`, so versions only grow; the hash itself expires
// `retention` after the value is gone. One key per script: any Cluster slot serves it.
const READ = new RedisScript(`${LUA_NOW}
local h = redis.call('HMGET', KEYS[1], 'd', 'n', 'e')
if h[1] and (not h[3] or tonumber(h[3]) > now) then return { h[1], h[2] } end
return false
`);

const WRITE = new RedisScript(`${LUA_NOW}
local h = redis.call('HMGET', KEYS[1], 'd', 'n', 'e', 'w')
local n = tonumber(h[2]) or 0
if h[4] == ARGV[5] then return n end
local live = h[1] and (not h[3] or tonumber(h[3]) > now)
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= (live and n or 0) then return 0 end
n = n + 1
redis.call('HSET', KEYS[1], 'd', ARGV[1], 'n', n, 'w', ARGV[5])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'e', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]))
else
  redis.call('HDEL', KEYS[1], 'e')
  redis.call('PERSIST', KEYS[1])
end
return n
`);

const DELETE = new RedisScript(`${LUA_NOW}
local h = redis.call('HMGET', KEYS[1], 'd', 'e')
if not h[1] then return 0 end
redis.call('HDEL', KEYS[1], 'd', 'e')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if h[2] and tonumber(h[2]) <= now then return 0 end
return 1
`);

/**
 * A {@link KeyValueStore} on Redis, shared by every worker: the home of the framework's sessions,
 * FSM states and conversations across processes. Each key is one hash `<prefix>kv:<key>` (value as
 * JSON, version, expiry by Redis's clock); reads and writes are Lua scripts, so a compare-and-set
 * (`ifVersion`) is atomic, and they work unchanged on a Cluster.
 *
 * @example
 * const storage = new RedisStorage<{ step: number }>({ redis: 'redis://127.0.0.1:6379' });
 * const entry = await storage.get('fsm:1');
 * await storage.set('fsm:1', { step: (entry?.value.step ?? 0) + 1 }, { ifVersion: entry?.version ?? 0, ttlMs: 86_400_000 });
 */
export class RedisStorage<V = unknown> implements KeyValueStore<V> {
  private readonly source: RedisSource;
  private readonly retentionMs: number;

  constructor(options: RedisStorageOptions) {
    this.source = new RedisSource('RedisStorage', options);
    this.retentionMs = milliseconds(
      'RedisStorage',
      'versionRetentionMs',
      options.versionRetentionMs ?? 604_800_000,
    );
  }

  async get(key: string): Promise<VersionedValue<V> | undefined> {
    const answer = await this.source.script(READ, [this.key(key)], []);
    if (!Array.isArray(answer)) return undefined;
    return { value: JSON.parse(String(answer[0])) as V, version: Number(answer[1]) };
  }

  async set(key: string, value: V, options: KeyValueSetOptions = {}): Promise<boolean> {
    const json = JSON.stringify(value);
    if (json === undefined)
      throw new VkwireConfigError('RedisStorage', 'value', 'JSON-serializable', { got: value });
    const ttl = options.ttlMs === undefined ? '' : milliseconds('RedisStorage', 'ttlMs', options.ttlMs);
    const { ifVersion } = options;
    if (ifVersion !== undefined && (!Number.isSafeInteger(ifVersion) || ifVersion < 0))
      throw new VkwireConfigError('RedisStorage', 'ifVersion', 'an integer ≥ 0 (a version read before)', {
        got: ifVersion,
      });
    const answer = await this.source.script(
      WRITE,
      [this.key(key)],
      [json, ifVersion ?? '', ttl, this.retentionMs, randomToken()],
    );
    return answer !== 0;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.source.script(DELETE, [this.key(key)], [this.retentionMs])) === 1;
  }

  /** Closes the connection if this store opened it (a client or handle you passed stays open). */
  close(): Promise<void> {
    return this.source.close();
  }

  private key(key: string): string {
    return `${this.source.prefix}kv:${key}`;
  }
}
