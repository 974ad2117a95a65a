import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '@vkwire/core';
import type { RedisClientType } from 'redis';
import { sleep } from './sleep.js';

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
  /** The lease term: a fetcher not heard from for this long no longer counts. */
  leaseMs: number;
  logger: Logger;
}

/**
 * Spreads communities evenly over the fetchers that serve the same token list. Each fetcher marks
 * itself alive in Redis every third of the lease term and learns how many are alive; its share is
 * `ceil(communities / alive)`. A poller asks for its lease only while the fetcher polls fewer than
 * its share ({@link reserve}); a fetcher polling more than its share (another one started) hands
 * the newest of its communities over: they stop, save their checkpoint and release their lease,
 * and a fetcher below its share takes them. Without this, whoever asks first polls everything.
 */
export class FleetShare {
  readonly #id = randomUUID();
  readonly #key: string;
  readonly #communities: number;
  #alive = 1;
  /** Communities polled, or being asked for, by this fetcher. */
  #held = 0;
  /** Hand-over requests of the communities this fetcher polls, oldest first. */
  readonly #leaders = new Set<() => void>();
  readonly #stopping = new AbortController();
  #beating: Promise<void> | undefined;
  #unreachableLogged = false;

  constructor(private readonly options: FleetShareOptions) {
    const fleet = createHash('sha256')
      .update([...options.tokens].sort().join('\n'))
      .digest('hex')
      .slice(0, 16);
    this.#key = `${options.prefix}fleet:${fleet}`;
    this.#communities = options.tokens.length;
  }

  /** Fetchers alive in this fleet, as last heard (1 until Redis answered). */
  get alive(): number {
    return this.#alive;
  }

  /** The most communities this fetcher polls: `ceil(communities / fetchers alive)`. */
  get share(): number {
    return Math.ceil(this.#communities / Math.max(1, this.#alive));
  }

  /** Takes room for one more community; false when this fetcher polls its share already. */
  reserve(): boolean {
    if (this.#held >= this.share) return false;
    this.#held++;
    return true;
  }

  /** Gives back the room of a community no longer polled or asked for. */
  unreserve(): void {
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
    await this.#beating;
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
          await client.eval(BEAT, { keys: [this.#key], arguments: [this.#id, String(leaseMs)] }),
        );
        this.#unreachableLogged = false;
        if (alive !== this.#alive)
          logger.info(
            { fetchers: alive, communities: this.#communities, share: Math.ceil(this.#communities / alive) },
            'fetcher: the fleet changed; this fetcher polls up to its share of the communities',
          );
        this.#alive = alive;
        this.handOverSurplus();
      } catch (error) {
        // Without Redis nothing is polled or taken over anyway; the share stays as last heard.
        if (!this.#unreachableLogged)
          logger.warn({ err: error }, 'fetcher: cannot reach Redis to count the fleet; retrying');
        this.#unreachableLogged = true;
      }
      await sleep(leaseMs / 3, signal);
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
