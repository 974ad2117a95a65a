import type { Logger } from '@vkwire/core';
import type { VkwireEvent } from '@vkwire/events-schema';
import { BusUnavailableError, type Publisher, type PublishResult } from '@vkwire/redis-bridge';
import { sleep } from './sleep.js';

/**
 * Publishes `events` (one Long Poll answer's, in one publisher call), waiting through Redis outages for as long as it takes: the Long Poll behind
 * it pauses meanwhile (its queue fills, it stops asking VK) and its checkpoint stays put. Rejects
 * only when `signal` aborts (the service gave up on it at stop; it was not checkpointed, so the
 * next poller fetches it again) or on an error no retry fixes.
 */
export async function publishUntilAcknowledged(
  publisher: Publisher,
  events: readonly VkwireEvent[],
  signal: AbortSignal,
  logger: Logger,
): Promise<PublishResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await publisher.publish(events);
    } catch (error) {
      if (!(error instanceof BusUnavailableError) || signal.aborted) throw error;
      if (attempt === 0)
        logger.warn(
          { err: error, events: events.length },
          'fetcher: Redis does not acknowledge; polling waits until it does',
        );
      await sleep(Math.min(5000, 200 * 2 ** attempt), signal);
    }
  }
}
