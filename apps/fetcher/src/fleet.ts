import { createHash, randomUUID } from 'node:crypto';
import { type Logger, sleep } from '@vkwire/core';
import type { RedisClientType } from 'redis';
import { withinMs } from './sleep.js';

/**
 * Marks this fetcher alive (by Redis's clock), forgets members not seen for a lease term, and
 * answers how many are alive. KEYS[1]: the fleet's set; ARGV: this fetcher's id, the term in ms.
 */
const BEAT = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local term = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - term)
redis.call('PEXPIRE', KEYS[1], term * 3)
return redis.call('ZCARD', KEYS[1])`;

/** What a fleet share needs. */
export interface FleetShareOptions {
  /** The service's Redis connection. */
  client: RedisClientType;
  /** Prefix of the fleet's key (the service's key prefix). */
  prefix: string;
  /** The service's tokens: fetchers with the same list form one fleet (only a hash of them is kept). */
  tokens: readonly string[];
  /**
   * The lease term. A fetcher marks itself alive every sixth of it and stops counting after half of
   * it unheard: a dead fetcher's share is known to be free before its leases lapse.
   */
  leaseMs: number;
  logger: Logger;
}

/**
 * Spreads communities evenly over the fetchers that serve the same token list. Each fetcher marks
 * itself alive in Redis every sixth of the lease term and learns how many are alive; its share is
 * `ceil(communities / alive)`. A poller asks for its lease only while the fetcher polls fewer than
 * its share ({@link hasRoom}); a fetcher polling more than its share (another one started) hands
 * the newest of its communities over: they stop, save their checkpoint and release their lease,
 * and a fetcher below its share takes them. Without this, whoever asks first polls everything.
 */
export class FleetShare {
  readonly #id = randomUUID();
  readonly #key: string;
  readonly #communities: number;
  #alive = 1;
  /** Communities polled by this fetcher. */
  #held = 0;
  /** Hand-over requests of the communities this fetcher polls, oldest first. */
  readonly #leaders = new Set<() => void>();
  readonly #stopping = new AbortController();
  #beating: Promise<void> | undefined;
  #unreachableLogged = false;
  /** Set once the fleet was counted twice: fetchers started together see each other first. */
  #settled = false;
  #beats = 0;

  constructor(private readonly options: FleetShareOptions) {
    const fleet = createHash('sha256')
      .update([...options.tokens].sort().join('\n'))
      .digest('hex')
      .slice(0, 16);
    this.#key = `${options.prefix}fleet:${fleet}`;
    this.#communities = options.tokens.length;
  }

  /** Whether the fleet was counted (until then no community is polled). */
  get settled(): boolean {
    return this.#settled;
  }

  /** Fetchers alive in this fleet, as last heard (1 until Redis answered). */
  get alive(): number {
    return this.#alive;
  }

  /** The most communities this fetcher polls: `ceil(communities / fetchers alive)`. */
  get share(): number {
    return Math.ceil(this.#communities / Math.max(1, this.#alive));
  }

  /** Whether this fetcher may poll one more community (ask for its lease). */
  hasRoom(): boolean {
    return this.#settled && this.#held < this.share;
  }

  /**
   * Counts a community whose lease was just granted; false when the room went to another one
   * meanwhile (give the lease back). Asking does not take room: standbys that ask for leases held
   * elsewhere never crowd out the one whose lease is free.
   */
  take(): boolean {
    if (!this.hasRoom()) return false;
    this.#held++;
    return true;
  }

  /** Gives back the room of a community no longer polled. */
  drop(): void {
    this.#held--;
  }

  /**
   * Registers a polling community's way to be asked to hand itself over; returns its removal.
   */
  lead(handOver: () => void): () => void {
    this.#leaders.add(handOver);
    return () => this.#leaders.delete(handOver);
  }

  /** Starts marking this fetcher alive. */
  start(): void {
    this.#beating ??= this.beat();
  }

  /** Stops, and leaves the fleet at once (the others' shares grow at their next beat). */
  async stop(): Promise<void> {
    this.#stopping.abort();
    // A count in flight while Redis hangs is not waited for past a second: the service closes
    // the connection next, which ends it (and the loop, which does nothing more once stopped).
    if (this.#beating !== undefined) await withinMs(this.#beating, 1000);
    // With Redis down the entry just lapses after a lease term.
    if (this.#beating === undefined || !this.options.client.isReady) return;
    await this.options.client.zRem(this.#key, this.#id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const { client, leaseMs, logger } = this.options;
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      try {
        const alive = Number(
          await client.eval(BEAT, {
            keys: [this.#key],
            arguments: [this.#id, String(Math.ceil(leaseMs / 2))],
          }),
        );
        if (signal.aborted) return;
        this.#unreachableLogged = false;
        if (alive !== this.#alive)
          logger.info(
            { fetchers: alive, communities: this.#communities, share: Math.ceil(this.#communities / alive) },
            'fetcher: the fleet changed; this fetcher polls up to its share of the communities',
          );
        this.#alive = alive;
        if (this.#beats++ === 1) this.#settled = true;
        this.handOverSurplus();
      } catch (error) {
        // Without Redis nothing is polled or taken over anyway; the share stays as last heard.
        if (!this.#unreachableLogged)
          logger.warn({ err: error }, 'fetcher: cannot reach Redis to count the fleet; retrying');
        this.#unreachableLogged = true;
      }
      // The second count comes soon after the first, so a fleet started together settles at once
      // instead of the first to count taking everything and handing most of it over.
      await sleep(this.#settled || this.#beats === 0 ? leaseMs / 6 : Math.min(1000, leaseMs / 10), signal);
    }
  }

  /** Asks the newest of this fetcher's communities beyond its share to hand themselves over. */
  private handOverSurplus(): void {
    let surplus = this.#held - this.share;
    if (surplus <= 0) return;
    this.options.logger.info(
      { polled: this.#held, share: this.share, fetchers: this.#alive },
      'fetcher: polling more than its share; handing communities over',
    );
    for (const handOver of [...this.#leaders].reverse()) {
      if (surplus-- <= 0) break;
      handOver();
    }
  }
}
