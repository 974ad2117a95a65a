import { tokenFingerprint, type VkApi, VkApiError } from '@vkwire/api-client';
import { type CheckpointStore, type Lease, type LeaseGrant, type Logger, sleep } from '@vkwire/core';
import {
  NORMALIZED_VK_TYPES,
  type NormalizeOptions,
  normalize,
  normalizeBatch,
  type VkNameResolver,
  type VkParsedUpdate,
  type VkwireEvent,
} from '@vkwire/events-schema';
import {
  GroupLongPoll,
  LongPollFailedError,
  LongPollMalformedUpdateError,
  LongPollRefusedError,
} from '@vkwire/longpoll';
import type { Publisher } from '@vkwire/redis-bridge';
import type { FleetShare } from './fleet.js';
import type { CommunityReadiness } from './http.js';
import type { CommunityRole, FetcherObserver } from './observer.js';
import { aborted, within, withinMs } from './sleep.js';

/** Long Poll answers handled at once per community: one being written to Redis, the next queued. */
const ANSWERS_IN_FLIGHT = 2;

/**
 * At stop, how long the answers in hand may take to be published (then they are abandoned, not
 * checkpointed, and fetched again by the next poller). With the lease release and the service's
 * closing steps after it, a stop stays within the 10 s the service has to exit, Redis up or down.
 */
export const POLL_STOP_TIMEOUT_MS = 5000;

/** How long a lease release may wait for Redis: past it the lease lapses by itself. */
export const LEASE_RELEASE_TIMEOUT_MS = 1000;

/** What one community's poller needs: the service hands every poller the same shared parts. */
export interface CommunityOptions {
  /** The community's API client (its token). */
  api: VkApi;
  /** The token of `api`, for its fingerprint in the status and in messages (never shown itself). */
  token: string;
  /**
   * How messages name the token for the operator, who may have configured several.
   * @default 'VK_TOKEN'
   */
  tokenLabel?: string;
  /** The community, when configured; otherwise detected from the token. */
  groupId?: number;
  publisher: Publisher;
  /**
   * The lease of each community. With `acquireOrWait` (RedisLease), a standby asks again when the
   * holder's term would end rather than every `min(1 s, leaseMs / 10)`.
   */
  lease: Lease & {
    acquireOrWait?(key: string, ttlMs: number): Promise<LeaseGrant | { heldForMs: number }>;
  };
  checkpoints: CheckpointStore;
  /** The fleet's share: how many communities this fetcher may poll, and hand-over requests. */
  fleet: FleetShare;
  resolver: VkNameResolver;
  prefixes: readonly string[];
  /** Seconds VK holds a Long Poll request. */
  wait: number;
  /** How long the poller's lease lasts without a renewal, in ms. */
  leaseMs: number;
  logger: Logger;
  observer: FetcherObserver;
  /** A failure no retry can fix (a refused token, no access): the service ends on it. */
  onFatal(error: Error): void;
}

/**
 * How long a standby waits before asking for the lease again. Knowing the holder's time left, it
 * asks just after that (a holder that died is replaced as its term ends, with one call per
 * renewal period instead of ten), and at least every `max(1 s, leaseMs / 3)` so that a lease
 * released at a holder's clean stop is taken over within that. Not knowing it, every
 * `min(1 s, leaseMs / 10)`.
 */
export function standbyPause(outcome: { heldForMs: number } | null, leaseMs: number): number {
  if (outcome === null) return Math.min(1000, leaseMs / 10);
  return Math.min(Math.max(1000, leaseMs / 3), Math.max(STANDBY_MIN_PAUSE_MS, outcome.heldForMs + 5));
}

/** The shortest standby pause: a lease about to lapse is not asked for in a tight loop. */
const STANDBY_MIN_PAUSE_MS = 20;

/** The VK error codes that mean the token itself is refused. */
const TOKEN_REFUSED = new Set([5, 27, 28, 1117]);

/**
 * One community: holds its lease in Redis (one active poller in the fleet), polls its Bots Long
 * Poll while it holds it, turns every update into the normalized event and publishes it, and stands
 * by while another fetcher polls. The Long Poll `ts` is saved after every event up to it was
 * acknowledged by Redis, so whoever polls next resumes where this one stopped.
 */
export class CommunityPoller {
  #role: CommunityRole = 'starting';
  #groupId: number | undefined;
  #error: string | undefined;
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;

  constructor(private readonly options: CommunityOptions) {
    this.#groupId = options.groupId;
  }

  /** Where the community stands now. */
  get status(): CommunityReadiness {
    return {
      groupId: this.#groupId ?? null,
      token: tokenFingerprint(this.options.token),
      role: this.#role,
      ...(this.#error ? { detail: this.#error } : {}),
    };
  }

  /** Starts the poller's loop in the background (standby or leader, as the lease decides). */
  start(): void {
    this.#running ??= this.run().catch((error: unknown) => this.fail(error as Error));
  }

  /**
   * Stops polling: the fetched events are published, the checkpoint saved and the lease released.
   * Resolves once nothing of the poller runs.
   */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running;
    if (this.#role !== 'failed') this.setRole('stopped');
  }

  private get signal(): AbortSignal {
    return this.#stopping.signal;
  }

  private setRole(role: CommunityRole): void {
    if (this.#role === role) return;
    this.#role = role;
    if (this.#groupId !== undefined) this.options.observer.role(this.#groupId, role);
  }

  private fail(error: Error): void {
    this.#error = error.message;
    this.setRole('failed');
    this.options.onFatal(error);
  }

  private async run(): Promise<void> {
    const groupId = await this.findGroupId();
    if (groupId === undefined) return;
    const { lease, leaseMs, logger, fleet } = this.options;
    const key = `fetcher:${groupId}`;
    let standbyLogged = false;
    while (!this.signal.aborted) {
      // A fetcher that polls its share of the fleet's communities asks for no more.
      if (!fleet.hasRoom()) {
        // Until the fleet was counted, the poller is still starting, not standing by.
        if (fleet.settled) this.setRole('standby');
        await sleep(standbyPause(null, leaseMs), this.signal);
        continue;
      }
      let outcome: LeaseGrant | { heldForMs: number } | null;
      try {
        outcome = lease.acquireOrWait
          ? await lease.acquireOrWait(key, leaseMs)
          : await lease.acquire(key, leaseMs);
      } catch (error) {
        logger.warn({ groupId, err: error }, 'fetcher: cannot reach Redis for the lease; retrying');
        await sleep(Math.min(1000, leaseMs / 4), this.signal);
        continue;
      }
      if (outcome === null || 'heldForMs' in outcome) {
        if (!standbyLogged)
          logger.info({ groupId }, 'fetcher: another fetcher polls this community; standing by');
        standbyLogged = true;
        this.setRole('standby');
        await sleep(standbyPause(outcome, leaseMs), this.signal);
        continue;
      }
      const grant = outcome;
      if (!fleet.take()) {
        // Another community of this fetcher took the last room meanwhile.
        await this.releaseLease(key, grant);
        continue;
      }
      standbyLogged = false;
      const fatal = await this.lead(groupId, key, grant).finally(() => fleet.drop());
      if (fatal) throw fatal;
      if (!this.signal.aborted && this.#role !== 'standby') this.setRole('starting');
    }
  }

  /** The configured community, or the token's; undefined when stopped first. */
  private async findGroupId(): Promise<number | undefined> {
    if (this.#groupId !== undefined) return this.#groupId;
    for (let attempt = 0; !this.signal.aborted; attempt++) {
      let info: Awaited<ReturnType<VkApi['tokenInfo']>> | undefined;
      try {
        // A stop does not wait for VK's answer (the call is cut when the API client closes).
        info = await within(this.options.api.tokenInfo(), this.signal);
        if (info === undefined) return undefined;
      } catch (error) {
        if (error instanceof VkApiError && TOKEN_REFUSED.has(error.code))
          throw new Error(
            `fetcher: VK refused a token (error ${error.code}: ${error.vkMessage}); it is ${this.tokenName()}: replace it with a valid community token`,
          );
        this.options.logger.warn({ err: error }, 'fetcher: cannot ask VK about the token; retrying');
        await sleep(Math.min(30_000, 500 * 2 ** attempt), this.signal);
        continue;
      }
      if (info.type !== 'group')
        throw new Error(
          `fetcher: ${this.tokenName()} is a user token; the fetcher needs a community token (Manage → API usage → Access tokens)`,
        );
      this.#groupId = info.groupId;
      this.options.observer.role(info.groupId, this.#role);
      return info.groupId;
    }
    return undefined;
  }

  /** The token as the operator can find it: its place in the configuration and its fingerprint. */
  private tokenName(): string {
    return `${this.options.tokenLabel ?? 'VK_TOKEN'} (fingerprint ${tokenFingerprint(this.options.token)})`;
  }

  /**
   * Polls while the lease is ours. Resolves when the service stops (lease released), when the lease
   * was lost or could not be renewed in time (another fetcher may poll now), or with the error that
   * ended the poll for good.
   */
  private async lead(groupId: number, key: string, grant: LeaseGrant): Promise<Error | undefined> {
    const { api, logger, observer, publisher, resolver, prefixes } = this.options;
    const poll = new GroupLongPoll({
      api,
      groupId,
      wait: this.options.wait,
      ensureSettings: true,
      eventTypes: NORMALIZED_VK_TYPES,
      checkpoint: { store: this.options.checkpoints, stream: key },
      // A stop cuts a start still waiting for VK (settings, the Long Poll server).
      signal: this.signal,
      onCheckpoint: () => observer.caughtUp(groupId),
      // Within the service's 10 s to exit on SIGTERM, with time left to save and release.
      stopTimeoutMs: POLL_STOP_TIMEOUT_MS,
      logger,
      onGap: (gap) => {
        observer.gap(groupId);
        logger.warn({ groupId, ...gap }, 'fetcher: VK says events may be lost (a gap in the stream)');
      },
      onFailed: (failed) => {
        if (failed === 1 || failed === 2 || failed === 3) observer.longPollFailed(groupId, failed);
      },
      onError: (error, update) => {
        // A malformed update was received all the same: counted, so that received − published
        // shows what was skipped. The poll goes on with the rest of the answer.
        if (error instanceof LongPollMalformedUpdateError) {
          observer.received(groupId, vkTypeOf(error.raw), 1);
          logger.error({ groupId, err: error }, 'fetcher: skipped a malformed update from VK');
          return;
        }
        // A fatal error ends the poll: the service logs it once, as it ends on it.
        if (error instanceof LongPollRefusedError || (error instanceof LongPollFailedError && error.fatal))
          return;
        if (update !== undefined)
          logger.error({ groupId, vkType: update.type, err: error }, 'fetcher: handling an update failed');
        else logger.error({ groupId, err: error }, 'fetcher: Long Poll requests keep failing; retrying');
      },
    });
    // One call per Long Poll answer: its updates normalized together (one resolver lookup for all
    // their ids; from a warm cache, no API call), published in one publisher call, and the answer's
    // ts checkpointed by the poll once Redis acknowledged every one of them (and every answer's
    // before it). Two answers run at once: while Redis writes one, the next is normalized and
    // queued behind it. Publish calls are made in answer order, a partition's batches are written
    // in call order, and the publisher never gives up on a call while the service runs (see
    // fetcher.ts), so no event is written ahead of an earlier one of its conversation.
    let previousQueued: Promise<void> = Promise.resolve();
    const handleAnswer = async (
      updates: readonly VkParsedUpdate[],
      context: { signal: AbortSignal; ts: string },
    ): Promise<void> => {
      const arrived = performance.now();
      const turn = previousQueued;
      let queued: () => void = () => {};
      previousQueued = new Promise<void>((resolve) => {
        queued = resolve;
      });
      try {
        countTypes(updates, (type, count) => observer.received(groupId, type, count));
        const events = await normalizeAnswer(updates, { resolver, prefixes }, (error, update) =>
          logger.error(
            { groupId, eventId: update.event_id, vkType: update.type, err: error },
            'fetcher: could not normalize an update; it is skipped',
          ),
        );
        await turn;
        if (events.length === 0) return;
        // Waits through a Redis outage (the poll pauses meanwhile; at stop it is abandoned, not
        // checkpointed, and the next poller fetches the answer again).
        const publishing = publisher.publish(events);
        queued();
        const result = await publishing;
        observer.published(events, (performance.now() - arrived) / 1000, result.duplicates);
        logger.debug(
          { groupId, ts: context.ts, events: events.length, duplicates: result.duplicates },
          'fetcher: published a Long Poll answer',
        );
      } finally {
        queued();
      }
    };
    // Renew the lease from the moment it is granted, a few times per term (starting the poll may
    // take long); past its term without a renewal, stop: another fetcher may have taken it over.
    const lost = new AbortController();
    const renewing = this.renewWhileHeld(key, grant, lost);
    try {
      await poll.startAnswers(handleAnswer, { inFlight: ANSWERS_IN_FLIGHT });
      if (lost.signal.aborted) throw new Error('the lease lapsed while the poll was starting');
      logger.info({ groupId, fence: grant.fence }, 'fetcher: polling the community');
      this.setRole('leader');
    } catch (error) {
      await poll.stop();
      lost.abort();
      await renewing;
      await this.releaseLease(key, grant);
      if (error instanceof LongPollRefusedError) return refusedWithHint(groupId, this.tokenName(), error);
      if (this.signal.aborted) return undefined;
      logger.warn({ groupId, err: error }, 'fetcher: Long Poll did not start; retrying');
      await sleep(1000, this.signal);
      return undefined;
    }

    // The fleet may ask this community to move to a fetcher below its share.
    const handOver = new AbortController();
    const unregister = this.options.fleet.lead(() => handOver.abort());
    const ended = await Promise.race([
      poll.finished,
      aborted(AbortSignal.any([lost.signal, this.signal, handOver.signal])).then(() =>
        this.signal.aborted
          ? ('stopping' as const)
          : lost.signal.aborted
            ? ('lost' as const)
            : ('handover' as const),
      ),
    ]).finally(unregister);
    const { abandoned } = await poll.stop();
    lost.abort();
    await renewing;
    if (abandoned > 0)
      logger.warn(
        { groupId, abandoned },
        'fetcher: events left unpublished at stop; the next poller fetches them again',
      );
    if (ended === 'lost') {
      logger.warn({ groupId }, 'fetcher: lost the lease; another fetcher may poll this community now');
      return undefined;
    }
    await this.releaseLease(key, grant);
    if (ended === 'handover') {
      logger.info({ groupId }, 'fetcher: handed the community over to a fetcher below its share');
      this.setRole('standby');
    }
    if (typeof ended === 'object' && ended.reason === 'fatal')
      // Refused while running (a token revoked): the same line as a refusal at start.
      return ended.error instanceof LongPollRefusedError
        ? refusedWithHint(groupId, this.tokenName(), ended.error)
        : ended.error;
    return undefined;
  }

  /** Renews every third of the term until `lost` aborts; aborts `lost` when the lease is gone. */
  private async renewWhileHeld(key: string, grant: LeaseGrant, lost: AbortController): Promise<void> {
    const { lease, leaseMs, logger } = this.options;
    let confirmedAt = performance.now();
    while (!lost.signal.aborted) {
      await sleep(leaseMs / 3, lost.signal);
      if (lost.signal.aborted) return;
      try {
        // A renewal hanging on an unreachable Redis is not waited for once the poll ended.
        const renewed = await within(Promise.resolve(lease.renew(key, grant.token, leaseMs)), lost.signal);
        if (lost.signal.aborted) return;
        if (renewed) {
          confirmedAt = performance.now();
          continue;
        }
        lost.abort();
        return;
      } catch (error) {
        logger.warn({ err: error }, 'fetcher: cannot renew the lease (Redis unreachable)');
        if (performance.now() - confirmedAt >= leaseMs) {
          lost.abort();
          return;
        }
      }
    }
  }

  /** Releases the lease, waiting for Redis at most `LEASE_RELEASE_TIMEOUT_MS`. */
  private async releaseLease(key: string, grant: LeaseGrant): Promise<void> {
    const { logger } = this.options;
    let late = false;
    const released = Promise.resolve(this.options.lease.release(key, grant.token)).then(
      () => true,
      (error: unknown) => {
        if (!late) logger.warn({ err: error }, 'fetcher: could not release the lease; it lapses by itself');
        return true;
      },
    );
    if ((await withinMs(released, LEASE_RELEASE_TIMEOUT_MS)) === true) return;
    late = true;
    logger.warn(
      { timeoutMs: LEASE_RELEASE_TIMEOUT_MS },
      'fetcher: Redis did not answer the lease release in time; the lease lapses by itself',
    );
  }
}

/** The community setting that fixes each refusal, for the one line the operator reads. */
const REFUSAL_HINTS: Record<LongPollRefusedError['code'], string> = {
  long_poll_auth:
    'VK refused the token: create a new one in the community (Manage → API usage → Access tokens) and set VK_TOKEN',
  long_poll_access_denied:
    'the token has no access to this community: use a token created in the community itself (Manage → API usage → Access tokens) with the "manage" right, and check VK_GROUP_ID',
  long_poll_disabled:
    'Bots Long Poll is off and the token may not switch it on: enable it in the community (Manage → API usage → Long Poll API), or give the token the "manage" right',
};

/** The fatal line of a refusal: the community, the token (as `tokenName` names it), what to do. */
function refusedWithHint(groupId: number, tokenName: string, error: LongPollRefusedError): Error {
  return new Error(
    `fetcher: community ${groupId}: ${REFUSAL_HINTS[error.code]} (VK error ${error.vkCode}; the token: ${tokenName})`,
    { cause: error },
  );
}

/** The `type` of an update as VK sent it, or `malformed` when it has none. */
function vkTypeOf(raw: unknown): string {
  const type = (raw as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type !== '' ? type : 'malformed';
}

/** Calls `count` once per run of updates of one type (an answer is mostly one type). */
function countTypes(updates: readonly VkParsedUpdate[], count: (type: string, n: number) => void): void {
  let type = updates[0]?.type;
  let n = 0;
  for (const update of updates) {
    if (update.type === type) {
      n++;
      continue;
    }
    if (type !== undefined) count(type, n);
    type = update.type;
    n = 1;
  }
  if (type !== undefined && n > 0) count(type, n);
}

/**
 * The events of one answer, normalized together. An update that cannot be normalized fails the
 * batch; then each is normalized alone, so only that one is skipped (and reported).
 */
async function normalizeAnswer(
  updates: readonly VkParsedUpdate[],
  options: NormalizeOptions,
  skipped: (error: unknown, update: VkParsedUpdate) => void,
): Promise<VkwireEvent[]> {
  try {
    return await normalizeBatch(updates, options);
  } catch {
    const events: VkwireEvent[] = [];
    for (const update of updates) {
      try {
        events.push(await normalize(update, options));
      } catch (error) {
        skipped(error, update);
      }
    }
    return events;
  }
}
