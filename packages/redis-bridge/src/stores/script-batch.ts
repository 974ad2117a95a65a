import { ErrorReply } from 'redis';
import { type RedisReply, RedisScript } from '../connection.js';
import { LUA_NOW, type RedisSource } from './redis-source.js';

/** At most this many calls go in one batch; a full batch is sent at once. */
const MAX_CALLS = 256;

/**
 * @internal A Lua script that answers a whole batch of calls in one loop of its own. The batch
 * comes as KEYS (every call's keys, call after call), ARGV[1] (one value shared by every call of
 * the batch, e.g. a retention) and ARGV[2] (every call's fields, each ended by a line break; a
 * field never holds one). Before `body` runs, `now` is Redis's clock, `F[1..nf]` the fields,
 * `out`, `o` the answer and its length, `expiresAt(ms)` the string of `now + ms` and `keepFor(ms)`
 * that of `ms + ARGV[1]` (a retention): `body` walks the calls as its layout says and appends to
 * `out` exactly as many items per call as the batch's `run` was told.
 *
 * A call that fails must fail alone: `body` runs Redis commands that can fail with
 * `redis.pcall` and puts the error table itself into `out` (it reaches node as an `ErrorReply`
 * item, which rejects that call only). A Lua error raised anyway (a bug, or a key written by
 * someone else in another format) fails the whole batch.
 *
 * No per-call function, `pcall`, or copies of KEYS and ARGV per call: that wrapper cost Redis more
 * than the HMGET and HSET it wrapped. Few arguments: node-redis writes every argument of a command
 * as a piece of one string, and writing many small pieces cost node more than the whole rest of a
 * store call.
 */
export function batchScript(body: string): RedisScript {
  return new RedisScript(`${LUA_NOW}
local F, nf = {}, 0
for v in string.gmatch(ARGV[2], '([^\\n]*)\\n') do
  nf = nf + 1
  F[nf] = v
end
local out, o = {}, 0
${LUA_TIMES}
${body}
return out
`);
}

// Redis formats a number argument of redis.call anew on every call (%.17g: for a clock in ms that
// cost Redis more than the HSET it went into); most calls of a batch share their ttl, so the
// strings are made once per batch and ttl. ARGV[1], when used with keepFor, is a retention in ms.
const LUA_TIMES = `local __at, __keep = {}, {}
local function expiresAt(ms)
  local v = __at[ms]
  if not v then
    v = string.format('%.0f', now + tonumber(ms))
    __at[ms] = v
  end
  return v
end
local function keepFor(ms)
  local v = __keep[ms]
  if not v then
    v = string.format('%.0f', tonumber(ms) + tonumber(ARGV[1]))
    __keep[ms] = v
  end
  return v
end`;

interface Call {
  readonly keys: readonly string[];
  readonly fields: readonly string[];
  /** How many items of the batch's answer are this call's. */
  readonly width: number;
  /** This call's answer from its items `at` to `end` (none of them an error). */
  decode(list: readonly RedisReply[], at: number, end: number): unknown;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * @internal The calls of one {@link batchScript} made in one turn of the event loop, sent as one
 * script call (one round trip, one command for Redis instead of one per call): under load the
 * state of many updates is read, written and leased together. Each call is answered on its own: a
 * version conflict or a command error (WRONGTYPE) fails only its own call. On a Cluster the keys of
 * one call share a slot but those of different calls need not, so each call goes alone there. A
 * batch is sent again as a whole after a transient failure: every call it carries must be safe to
 * repeat, as every store's calls are (a write or a grant carries its own token and is found, not
 * applied twice).
 */
export class ScriptBatch {
  private pending: Call[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private cluster: boolean | undefined;

  /** @param shared ARGV[1] of every batch (the same for every call of this store) */
  constructor(
    private readonly source: RedisSource,
    private readonly script: RedisScript,
    private readonly shared: string,
  ) {}

  /**
   * Runs the script on `keys` and `fields` (strings without a line break) with the other calls of
   * this turn: resolves with `decode` of the call's `width` items of the answer, or rejects with the
   * first error among them.
   */
  run<T>(
    keys: readonly string[],
    fields: readonly string[],
    width: number,
    decode: (list: readonly RedisReply[], at: number, end: number) => T,
  ): Promise<T> {
    const cluster = this.isCluster();
    if (typeof cluster !== 'boolean') return cluster.then(() => this.run(keys, fields, width, decode));
    return new Promise<T>((resolve, reject) => {
      const call: Call = {
        keys,
        fields,
        width,
        decode,
        resolve: resolve as (reply: unknown) => void,
        reject,
      };
      if (cluster) {
        this.answer([call]);
        return;
      }
      this.pending.push(call);
      if (this.pending.length >= MAX_CALLS) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /**
   * Whether the store's Redis is a Cluster: known without waiting once connected (a store's
   * connection never turns from one kind into the other), so that a call costs no extra turn.
   */
  isCluster(): boolean | Promise<boolean> {
    if (this.cluster !== undefined) return this.cluster;
    // Through call(): a connection that does not open fails the call in time, not never.
    return this.source.call(async (redis) => {
      this.cluster = redis.cluster;
      return redis.cluster;
    });
  }

  /** Sends what is pending now (a store's `close()` calls it, so that nothing is sent after). */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const calls = this.pending;
    if (calls.length === 0) return;
    this.pending = [];
    this.answer(calls);
  }

  /** One script call for `calls`; settles each call from its items of the answer. */
  private answer(calls: readonly Call[]): void {
    const keys: string[] = [];
    const fields: string[] = [];
    let width = 0;
    for (const call of calls) {
      for (const key of call.keys) keys.push(key);
      for (const field of call.fields) fields.push(field);
      width += call.width;
    }
    const packed = fields.length === 0 ? '' : `${fields.join('\n')}\n`;
    this.source.script(this.script, keys, [this.shared, packed]).then(
      (answer) => {
        if (!Array.isArray(answer) || answer.length !== width) {
          const error = new TypeError(
            `the batch script answered ${Array.isArray(answer) ? `${answer.length} items` : String(answer)} for ${width}`,
          );
          for (const call of calls) call.reject(error);
          return;
        }
        let at = 0;
        for (const call of calls) {
          settle(call, answer, at);
          at += call.width;
        }
      },
      (error: unknown) => {
        for (const call of calls) call.reject(error);
      },
    );
  }
}

function settle(call: Call, list: readonly RedisReply[], at: number): void {
  const end = at + call.width;
  for (let index = at; index < end; index += 1) {
    const item = list[index];
    if (item instanceof ErrorReply) {
      call.reject(item);
      return;
    }
  }
  try {
    call.resolve(call.decode(list, at, end));
  } catch (error) {
    call.reject(error);
  }
}
