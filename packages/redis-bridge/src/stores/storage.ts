import type { JsonWrite, KeyValueSetOptions, KeyValueStore, StoredJson, VersionedValue } from '@vkwire/core';
import { VkwireConfigError } from '@vkwire/core';
import { RedisScript } from '../connection.js';
import { LUA_NOW, milliseconds, RedisSource, type RedisStoreOptions, randomToken } from './redis-source.js';
import { batchScript, ScriptBatch } from './script-batch.js';

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

// Several keys in one script: `d`, `n` of each live key, false, false for the others. Batched:
// the calls of one turn of the event loop share a script call.
const READ_MANY = batchScript(`
local out = {}
for i = 1, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 'd', 'n', 'e')
  if h[1] and (not h[3] or tonumber(h[3]) > now) then
    out[2 * i - 1] = h[1]
    out[2 * i] = h[2]
  else
    out[2 * i - 1] = false
    out[2 * i] = false
  end
end
return out
`);

// Several writes and deletes, all or none. ARGV: token, retention, then per key kind ('s' set,
// 'd' delete), JSON, ifVersion ('' none), ttl ('' none). Every version is checked before anything
// is written; the answer is 0 when all were applied, else the 1-based index of the key that did
// not match. The token goes into every key's `w`, so the script sent again after a lost reply
// finds it on the first key and answers 0 without applying it twice. Batched as READ_MANY (each
// call all or none on its own).
const WRITE_MANY = batchScript(`
local retention = tonumber(ARGV[2])
local found = {}
local plain = {}
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 4
  local h = redis.call('HMGET', KEYS[i], 'd', 'n', 'e', 'w')
  if i == 1 and h[4] == ARGV[1] then return 0 end
  local n = tonumber(h[2]) or 0
  local live = h[1] and (not h[3] or tonumber(h[3]) > now)
  if ARGV[b + 3] ~= '' and tonumber(ARGV[b + 3]) ~= (live and n or 0) then return i end
  found[i] = n
  -- A value without an expiry was last set without a TTL: the key has none to take away.
  plain[i] = h[1] and not h[3]
end
for i = 1, #KEYS do
  local b = 2 + (i - 1) * 4
  if ARGV[b + 1] == 's' then
    if ARGV[b + 4] ~= '' then
      redis.call('HSET', KEYS[i], 'd', ARGV[b + 2], 'n', found[i] + 1, 'w', ARGV[1], 'e', now + tonumber(ARGV[b + 4]))
      redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[b + 4]) + retention)
    else
      redis.call('HSET', KEYS[i], 'd', ARGV[b + 2], 'n', found[i] + 1, 'w', ARGV[1])
      if not plain[i] then
        redis.call('HDEL', KEYS[i], 'e')
        redis.call('PERSIST', KEYS[i])
      end
    end
  else
    redis.call('HDEL', KEYS[i], 'd', 'e')
    redis.call('HSET', KEYS[i], 'w', ARGV[1])
    redis.call('PEXPIRE', KEYS[i], retention)
  end
end
return 0
`);

/**
 * A {@link KeyValueStore} on Redis, shared by every worker: the home of the framework's sessions,
 * FSM states and conversations across processes. Each key is one hash `<prefix>kv:<key>` (value as
 * JSON, version, expiry by Redis's clock); reads and writes are Lua scripts, so a compare-and-set
 * (`ifVersion`) is atomic, and they work unchanged on a Cluster. `readJson` and `writeJson` take
 * several keys in one script (one round trip; all or none for writes); on a Cluster they do so when
 * the keys share a slot, and otherwise run key by key (writes are then not all or none). On a
 * single Redis, the `readJson` (and the `writeJson`) calls made in one turn of the event loop go
 * in one script call, each answered on its own: many updates' state costs Redis one command.
 *
 * @example
 * const storage = new RedisStorage<{ step: number }>({ redis: 'redis://127.0.0.1:6379' });
 * const entry = await storage.get('fsm:1');
 * await storage.set('fsm:1', { step: (entry?.value.step ?? 0) + 1 }, { ifVersion: entry?.version ?? 0, ttlMs: 86_400_000 });
 */
export class RedisStorage<V = unknown> implements KeyValueStore<V> {
  private readonly source: RedisSource;
  private readonly retentionMs: number;
  private readonly reads: ScriptBatch;
  private readonly writes: ScriptBatch;

  constructor(options: RedisStorageOptions) {
    this.source = new RedisSource('RedisStorage', options);
    this.reads = new ScriptBatch(this.source, READ_MANY);
    this.writes = new ScriptBatch(this.source, WRITE_MANY);
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

  async readJson(keys: readonly string[]): Promise<Array<StoredJson | undefined>> {
    if (keys.length === 0) return [];
    const redis = await this.source.handle();
    const stored = keys.map((key) => this.key(key));
    if (redis.cluster && !sameSlot(stored))
      return Promise.all(
        stored.map(async (key) => {
          const answer = await this.source.script(READ, [key], []);
          return Array.isArray(answer) ? { json: String(answer[0]), version: Number(answer[1]) } : undefined;
        }),
      );
    const answer = await this.reads.run(stored, []);
    const list = Array.isArray(answer) ? answer : [];
    const found: Array<StoredJson | undefined> = [];
    for (let index = 0; index < keys.length; index += 1) {
      const json = list[2 * index];
      found.push(
        json === null || json === undefined || json === false
          ? undefined
          : { json: String(json), version: Number(list[2 * index + 1]) },
      );
    }
    return found;
  }

  async writeJson(writes: readonly JsonWrite[]): Promise<string | undefined> {
    if (writes.length === 0) return undefined;
    const args: Array<string | number> = [randomToken(), this.retentionMs];
    for (const write of writes) {
      const { ifVersion, ttlMs } = write;
      if (ifVersion !== undefined && (!Number.isSafeInteger(ifVersion) || ifVersion < 0))
        throw new VkwireConfigError('RedisStorage', 'ifVersion', 'an integer ≥ 0 (a version read before)', {
          got: ifVersion,
        });
      args.push(
        write.json === undefined ? 'd' : 's',
        write.json ?? '',
        ifVersion ?? '',
        ttlMs === undefined ? '' : milliseconds('RedisStorage', 'ttlMs', ttlMs),
      );
    }
    const stored = writes.map((write) => this.key(write.key));
    const redis = await this.source.handle();
    if (redis.cluster && !sameSlot(stored)) {
      // Keys in several slots cannot share a script: one key at a time, in order.
      for (const write of writes) {
        const applied =
          write.json === undefined
            ? await this.deleteIf(write.key, write.ifVersion)
            : await this.set(write.key, JSON.parse(write.json) as V, {
                ...(write.ifVersion === undefined ? {} : { ifVersion: write.ifVersion }),
                ...(write.ttlMs === undefined ? {} : { ttlMs: write.ttlMs }),
              });
        if (!applied) return write.key;
      }
      return undefined;
    }
    const answer = Number(await this.writes.run(stored, args));
    return answer === 0 ? undefined : writes[answer - 1]?.key;
  }

  private async deleteIf(key: string, ifVersion: number | undefined): Promise<boolean> {
    if (ifVersion !== undefined) {
      const now = await this.get(key);
      if ((now?.version ?? 0) !== ifVersion) return false;
    }
    await this.delete(key);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.source.script(DELETE, [this.key(key)], [this.retentionMs])) === 1;
  }

  /** Closes the connection if this store opened it (a client or handle you passed stays open). */
  close(): Promise<void> {
    this.reads.flush();
    this.writes.flush();
    return this.source.close();
  }

  private key(key: string): string {
    return `${this.source.prefix}kv:${key}`;
  }
}

/** Whether every key hashes to one Cluster slot: the same `{hash tag}`, or the same key. */
function sameSlot(keys: readonly string[]): boolean {
  const tag = (key: string): string => {
    const open = key.indexOf('{');
    const close = open < 0 ? -1 : key.indexOf('}', open + 1);
    return close > open + 1 ? key.slice(open + 1, close) : key;
  };
  const first = tag(keys[0] as string);
  return keys.every((key) => tag(key) === first);
}
