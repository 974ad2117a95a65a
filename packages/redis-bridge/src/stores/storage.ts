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

// Several keys in one script, whatever call they belong to: `d` and `n` (a number) of each live
// key, false, false for the others; a key that is not a hash answers its error and false, which
// fails only the call that asked for it. Batched: the reads of one turn of the event loop share a
// script call (see ScriptBatch); the calls carry no fields.
const READ_MANY = batchScript(`
for i = 1, #KEYS do
  local h = redis.pcall('HMGET', KEYS[i], 'd', 'n', 'e')
  if h.err then
    out[o + 1] = h
    out[o + 2] = false
  elseif h[1] and (not h[3] or tonumber(h[3]) > now) then
    out[o + 1] = h[1]
    out[o + 2] = tonumber(h[2])
  else
    out[o + 1] = false
    out[o + 2] = false
  end
  o = o + 2
end
`);

// Several writes and deletes per call, all or none; the calls of one turn of the event loop share
// a script call, each answered on its own. ARGV[1] the retention; per call the fields are its number
// of keys, its token, then per key: kind ('s' set, 'S' set a JSON that held line breaks, sent with NULs in
// their place, 'd' delete), JSON (or that index), ifVersion ('' none), ttl ('' none). Every
// version of a call is checked before anything of it is written; its answer is 0 when all were
// applied, else the 1-based index of the key that did not match, or the error of a key that is not
// a hash (nothing of that call written). The token goes into every key's `w`, so a call sent again
// after a lost reply finds it on its first key and answers 0 without applying it twice. A call sees
// what the calls before it in the batch wrote.
const WRITE_MANY = batchScript(`
local found, plain = {}, {}
local k, f = 0, 0
while f < nf do
  local nk, token = tonumber(F[f + 1]), F[f + 2]
  local base = f + 2
  f = base + 4 * nk
  local answer = 0
  for i = 1, nk do
    local b = base + (i - 1) * 4
    local h = redis.pcall('HMGET', KEYS[k + i], 'd', 'n', 'e', 'w')
    if h.err then
      answer = h
      break
    end
    if i == 1 and h[4] == token then
      answer = false
      break
    end
    local n = tonumber(h[2]) or 0
    local live = h[1] and (not h[3] or tonumber(h[3]) > now)
    if F[b + 3] ~= '' and tonumber(F[b + 3]) ~= (live and n or 0) then
      answer = i
      break
    end
    found[i] = n
    -- A value without an expiry was last set without a TTL: the key has none to take away.
    plain[i] = h[1] and not h[3]
  end
  if answer == 0 then
    for i = 1, nk do
      local b = base + (i - 1) * 4
      local key = KEYS[k + i]
      local kind = F[b + 1]
      local w
      if kind == 'd' then
        redis.call('HDEL', key, 'd', 'e')
        redis.call('HSET', key, 'w', token)
        redis.call('PEXPIRE', key, ARGV[1])
      else
        local json = F[b + 2]
        if kind == 'S' then json = string.gsub(json, '%z', '\\n') end
        local ttl = F[b + 4]
        if ttl ~= '' then
          w = redis.pcall('HSET', key, 'd', json, 'n', found[i] + 1, 'w', token, 'e', expiresAt(ttl))
          if type(w) ~= 'table' then redis.call('PEXPIRE', key, keepFor(ttl)) end
        else
          w = redis.pcall('HSET', key, 'd', json, 'n', found[i] + 1, 'w', token)
          if type(w) ~= 'table' and not plain[i] then
            redis.call('HDEL', key, 'e')
            redis.call('PERSIST', key)
          end
        end
      end
      -- Only a first write can fail (Redis out of memory refuses a script's first write): nothing
      -- of this call was written.
      if type(w) == 'table' then
        answer = w
        break
      end
    end
  end
  o = o + 1
  out[o] = answer or 0
  k = k + nk
end
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
    this.retentionMs = milliseconds(
      'RedisStorage',
      'versionRetentionMs',
      options.versionRetentionMs ?? 604_800_000,
    );
    this.reads = new ScriptBatch(this.source, READ_MANY, '');
    this.writes = new ScriptBatch(this.source, WRITE_MANY, String(this.retentionMs));
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

  readJson(keys: readonly string[]): Promise<Array<StoredJson | undefined>> {
    if (keys.length === 0) return Promise.resolve([]);
    const stored = keys.map((key) => this.key(key));
    return batchedOr(
      this.reads,
      stored,
      () => this.reads.run(stored, NO_FIELDS, 2 * stored.length, readAnswer),
      () => Promise.all(stored.map((key) => this.readOne(key))),
    );
  }

  private async readOne(key: string): Promise<StoredJson | undefined> {
    const answer = await this.source.script(READ, [key], []);
    return Array.isArray(answer) ? { json: String(answer[0]), version: Number(answer[1]) } : undefined;
  }

  writeJson(writes: readonly JsonWrite[]): Promise<string | undefined> {
    if (writes.length === 0) return Promise.resolve(undefined);
    let fields: string[];
    try {
      fields = writeFields(writes);
    } catch (error) {
      return Promise.reject(error);
    }
    const stored = writes.map((write) => this.key(write.key));
    const decode = (list: readonly unknown[], at: number): string | undefined => {
      const answer = Number(list[at]);
      return answer === 0 ? undefined : writes[answer - 1]?.key;
    };
    return batchedOr(
      this.writes,
      stored,
      () => this.writes.run(stored, fields, 1, decode),
      () => this.writeOneByOne(writes),
    );
  }

  /** Keys in several Cluster slots cannot share a script: one key at a time, in order. */
  private async writeOneByOne(writes: readonly JsonWrite[]): Promise<string | undefined> {
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

const NO_FIELDS: readonly string[] = [];

/**
 * `batched()` on a single Redis, or on a Cluster when the `stored` keys share a slot; otherwise
 * `keyByKey()`. Once connected it is known at once (no turn): on a single Redis the call goes
 * straight into this turn's batch.
 */
function batchedOr<T>(
  batch: ScriptBatch,
  stored: readonly string[],
  batched: () => Promise<T>,
  keyByKey: () => Promise<T>,
): Promise<T> {
  const cluster = batch.isCluster();
  if (cluster === false) return batched();
  return Promise.resolve(cluster).then((isCluster) =>
    isCluster && !sameSlot(stored) ? keyByKey() : batched(),
  );
}

/** WRITE_MANY's fields of one call: its number of keys, its token, then four per key. */
function writeFields(writes: readonly JsonWrite[]): string[] {
  const fields: string[] = [String(writes.length), randomToken()];
  for (const write of writes) {
    const { ifVersion, ttlMs } = write;
    if (ifVersion !== undefined && (!Number.isSafeInteger(ifVersion) || ifVersion < 0))
      throw new VkwireConfigError('RedisStorage', 'ifVersion', 'an integer ≥ 0 (a version read before)', {
        got: ifVersion,
      });
    const ttl = ttlMs === undefined ? '' : String(milliseconds('RedisStorage', 'ttlMs', ttlMs));
    const version = ifVersion === undefined ? '' : String(ifVersion);
    if (write.json === undefined) fields.push('d', '', version, ttl);
    else if (!write.json.includes('\n')) fields.push('s', write.json, version, ttl);
    else if (!write.json.includes('\0'))
      // JSON text may hold line breaks (as whitespace), never a NUL: sent with NULs in their place.
      fields.push('S', write.json.replaceAll('\n', '\0'), version, ttl);
    else throw new VkwireConfigError('RedisStorage', 'json', 'JSON text', { got: write.json });
  }
  return fields;
}

/** A read's keys from its items `at` to `end` of READ_MANY's answer. */
function readAnswer(list: readonly unknown[], at: number, end: number): Array<StoredJson | undefined> {
  const found: Array<StoredJson | undefined> = [];
  for (let index = at; index < end; index += 2) {
    const json = list[index];
    found.push(typeof json === 'string' ? { json, version: Number(list[index + 1]) } : undefined);
  }
  return found;
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
