import type { VkwireEvent } from '@vkwire/events-schema';

/** A community's part in the fleet: polling it, waiting to take over, or not (yet) either. */
export type CommunityRole = 'starting' | 'leader' | 'standby' | 'stopped' | 'failed';

/**
 * What the service reports as it runs: the metrics module implements it, tests may record it.
 * Every method is called synchronously on the hot path and must not throw.
 */
export interface FetcherObserver {
  /** `count` updates of one type arrived from Long Poll (before normalizing). */
  received(groupId: number, vkType: string, count: number): void;
  /**
   * The events of one Long Poll answer were acknowledged by Redis, `seconds` after the answer
   * arrived; `duplicates` of them were on the bus already.
   */
  published(events: readonly VkwireEvent[], seconds: number, duplicates: number): void;
  /** Every update of a Long Poll answer was published and its ts saved: the community is caught up to it. */
  caughtUp(groupId: number): void;
  /** VK answered a Long Poll request with `failed: 1`, `2` or `3`. */
  longPollFailed(groupId: number, failed: 1 | 2 | 3): void;
  /** VK said events may have been lost. */
  gap(groupId: number): void;
  /** The community's role changed. */
  role(groupId: number, role: CommunityRole): void;
  /** A VK API call failed with this `error_code`. */
  apiError(code: number): void;
}

/** An observer that records nothing. */
export const silentObserver: FetcherObserver = Object.freeze({
  received() {},
  published() {},
  caughtUp() {},
  longPollFailed() {},
  gap() {},
  role() {},
  apiError() {},
});
