import { ErrorReply } from 'redis';
import { type RedisReply, RedisScript } from '../connection.js';
import { LUA_NOW, type RedisSource } from './redis-source.js';

/** At most this many calls go in one batch; a full batch is sent at once. */
const MAX_CALLS = 256;

/**
 * @internal A Lua script that runs `body` once per call of a batch. `body` is written as for one
 * call (its `KEYS`, its `ARGV`, `now` from Redis's clock, a `return`); the batch's ARGV starts with
 * the number of calls, then each call's number of keys, then each call's number of args, then the
 * args. The answer is two items per call: 1 and what `body` returned (false for nil), or 0 and the
 * error it raised — so one call's error does not fail the others.
 */
export function batchScript(body: string): RedisScript {
  return new RedisScript(`${LUA_NOW}
local function one(KEYS, ARGV)
${body}
end
local count = tonumber(ARGV[1])
local out = {}
local k, a = 0, 1 + 2 * count
for i = 1, count do
  local nk, na = tonumber(ARGV[1 + i]), tonumber(ARGV[1 + count + i])
  local keys, argv = {}, {}
  for j = 1, nk do keys[j] = KEYS[k + j] end
  for j = 1, na do argv[j] = ARGV[a + j] end
  k, a = k + nk, a + na
  local ok, res = pcall(one, keys, argv)
  if ok then
    if res == nil then res = false end
    out[2 * i - 1] = 1
    out[2 * i] = res
  else
    out[2 * i - 1] = 0
    if type(res) == 'table' then res = res.err or 'ERR script error' end
    out[2 * i] = tostring(res)
  end
end
return out
`);
}

interface Call {
  readonly keys: readonly string[];
  readonly args: readonly (string | number)[];
  resolve(reply: RedisReply): void;
  reject(error: unknown): void;
}

/**
 * @internal The calls of one {@link batchScript} made in one turn of the event loop, sent as one
 * script call (one round trip, one command for Redis instead of one per call): under load the
 * state of many updates is read, written and leased together. On a Cluster the keys of one call
 * share a slot but those of different calls need not, so each call goes alone there. A batch is
 * sent again as a whole after a transient failure (every call it carries must be safe to repeat,
 * as every store's calls are).
 */
export class ScriptBatch {
  private pending: Call[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly source: RedisSource,
    private readonly script: RedisScript,
  ) {}

  /** Runs the script's body on `keys` and `args`, with the other calls of this turn. */
  async run(keys: readonly string[], args: readonly (string | number)[]): Promise<RedisReply> {
    const redis = await this.source.handle();
    if (redis.cluster) {
      const [reply] = await this.send([{ keys, args, resolve: noop, reject: noop }]);
      if (reply instanceof ErrorReply) throw reply;
      return reply;
    }
    return new Promise<RedisReply>((resolve, reject) => {
      this.pending.push({ keys, args, resolve, reject });
      if (this.pending.length >= MAX_CALLS) this.flush();
      else this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Sends what is pending now (a store's `close()` calls it, so that nothing is sent after). */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const calls = this.pending;
    if (calls.length === 0) return;
    this.pending = [];
    this.send(calls).then(
      (replies) => {
        for (const [index, call] of calls.entries()) {
          const reply = replies[index];
          if (reply instanceof ErrorReply) call.reject(reply);
          else call.resolve(reply);
        }
      },
      (error: unknown) => {
        for (const call of calls) call.reject(error);
      },
    );
  }

  /** One script call for `calls`: each call's reply (an `ErrorReply` for a call whose body raised one). */
  private async send(calls: readonly Call[]): Promise<RedisReply[]> {
    const keys: string[] = [];
    const args: Array<string | number> = [calls.length];
    for (const call of calls) {
      args.push(call.keys.length);
      for (const key of call.keys) keys.push(key);
    }
    for (const call of calls) args.push(call.args.length);
    for (const call of calls) for (const arg of call.args) args.push(arg);
    const answer = await this.source.script(this.script, keys, args);
    const list = Array.isArray(answer) ? answer : [];
    const replies: RedisReply[] = [];
    for (let index = 0; index < calls.length; index += 1) {
      const ok = list[2 * index];
      const reply = list[2 * index + 1];
      if (ok === 1) replies.push(reply === undefined ? null : reply);
      else if (ok === 0) replies.push(new ErrorReply(String(reply)));
      else throw new TypeError(`the batch script answered ${JSON.stringify(answer)} for call ${index + 1}`);
    }
    return replies;
  }
}

function noop(): void {}
