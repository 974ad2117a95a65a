import { type RedisHandle, RedisScript } from '../connection.js';
import { groupPrefix } from './layout.js';

// Leases live in the partition's own hash tag (next to its stream), so on a Cluster the acquire
// script's two keys (the lease and its fencing counter) share a slot.
const ACQUIRE = new RedisScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
return 0`);

const RENEW = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`);

const RELEASE = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`);

// Membership on the server's clock, so processes on machines with skewed clocks agree on who is live.
const HEARTBEAT = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 4)
end
return redis.call('ZRANGE', KEYS[1], 0, -1)`);

/** Where one group's lease of partition `n` of `stream` lives. */
export function partitionLeaseKey(stream: string, group: string, n: number): string {
  return `{${stream}:${n}}:lease:${group}`;
}

/** The fencing counter of that lease: incremented by every new acquisition. */
export function partitionFenceKey(stream: string, group: string, n: number): string {
  return `{${stream}:${n}}:fence:${group}`;
}

/** The sorted set of a group's live consumers (score: when their heartbeat lapses, server ms). */
export function membersKey(stream: string, group: string): string {
  return `${groupPrefix(stream, group)}members`;
}

/**
 * The partitions one consumer of a group owns: every partition is read by one live consumer at a
 * time through a lease (`SET NX PX`, renewed, with a fencing token that grows with every new
 * owner); consumers announce themselves in a membership set with heartbeats, and each aims at
 * `ceil(partitions / live consumers)` partitions, so partitions spread out as consumers join and
 * are taken over when one leaves or dies (its leases lapse after `leaseMs`).
 *
 * @internal used by the bus consumer
 */
export class PartitionLeases {
  /** Partitions held now, with their fencing tokens. */
  readonly held = new Map<number, number>();
  private readonly order: number[];

  constructor(
    private readonly redis: RedisHandle,
    private readonly stream: string,
    private readonly group: string,
    /** The name members and pending entries know this consumer by. */
    readonly owner: string,
    private readonly partitions: number,
    private readonly leaseMs: number,
  ) {
    // Consumers walk the partitions from different places, so simultaneous joiners rarely collide.
    let start = 0;
    for (const char of owner) start = (start * 31 + char.charCodeAt(0)) >>> 0;
    this.order = Array.from({ length: partitions }, (_, i) => (start + i) % partitions);
  }

  /** Announces this consumer as live for `leaseMs`; answers the live members (this one included). */
  async heartbeat(signal?: AbortSignal): Promise<string[]> {
    const key = membersKey(this.stream, this.group);
    return (await this.redis.script(HEARTBEAT, [key], [this.owner, this.leaseMs, '0'], signal)) as string[];
  }

  /** Removes this consumer from the live members (on stop). */
  async leave(signal?: AbortSignal): Promise<void> {
    const key = membersKey(this.stream, this.group);
    await this.redis.script(HEARTBEAT, [key], [this.owner, this.leaseMs, '1'], signal);
  }

  /** How many partitions this consumer should hold with `live` consumers in the group. */
  target(live: number): number {
    return Math.ceil(this.partitions / Math.max(1, live));
  }

  /** Renews every held lease; answers the partitions whose lease was lost (another owner, or expired). */
  async renew(signal?: AbortSignal): Promise<number[]> {
    const lost: number[] = [];
    await Promise.all(
      [...this.held.keys()].map(async (n) => {
        const key = partitionLeaseKey(this.stream, this.group, n);
        const ok = await this.redis.script(RENEW, [key], [this.owner, this.leaseMs], signal);
        if (Number(ok) !== 1) {
          this.held.delete(n);
          lost.push(n);
        }
      }),
    );
    return lost;
  }

  /**
   * Tries to take free partitions until `count` are held (those in `skip` excepted); answers the
   * newly acquired ones.
   */
  async acquire(
    count: number,
    skip: ReadonlySet<number> = new Set(),
    signal?: AbortSignal,
  ): Promise<number[]> {
    const gained: number[] = [];
    for (const n of this.order) {
      if (this.held.size >= count) break;
      if (this.held.has(n) || skip.has(n)) continue;
      const fence = Number(
        await this.redis.script(
          ACQUIRE,
          [partitionLeaseKey(this.stream, this.group, n), partitionFenceKey(this.stream, this.group, n)],
          [this.owner, this.leaseMs],
          signal,
        ),
      );
      if (fence > 0) {
        this.held.set(n, fence);
        gained.push(n);
      }
    }
    return gained;
  }

  /** Gives up partition `n` (only if this consumer still holds it). */
  async release(n: number, signal?: AbortSignal): Promise<void> {
    this.held.delete(n);
    await this.redis.script(RELEASE, [partitionLeaseKey(this.stream, this.group, n)], [this.owner], signal);
  }
}
