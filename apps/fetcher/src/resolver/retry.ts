import { VkApiError, VkEndpointError, VkNetworkError, VkResponseError } from '@vkwire/api-client';
import { sleep, toError } from '@vkwire/core';

/** How {@link retryUntil} retries. */
export interface RetryUntilOptions {
  /** `performance.now()` after which no attempt starts and a running one is aborted. */
  deadline: number;
  /** First pause; doubles after each failure, with jitter. */
  baseDelayMs: number;
  /** Aborted when the owner closes: the attempt is aborted and no other starts. */
  signal: AbortSignal;
  /** Each failed attempt. */
  onError(error: Error): void;
}

/** How a {@link retryUntil} ended without a result. */
export class RetryGaveUp extends Error {
  override readonly name = 'RetryGaveUp';

  constructor(
    /** `timeout`: the deadline came; `failed`: an error not worth retrying; `closed`: the signal aborted. */
    readonly code: 'timeout' | 'failed' | 'closed',
    /** The last error of an attempt, if any failed. */
    readonly lastError: Error | undefined,
  ) {
    super(`gave up (${code})${lastError ? `: ${lastError.message}` : ''}`);
  }
}

// VK's "unknown error", "too many requests" and "internal error": they pass on their own.
const TRANSIENT_CODES: ReadonlySet<number> = new Set([1, 6, 10]);

/** Whether an error of the API may pass if the call is made again: network, 5xx pages, errors 1, 6, 10. */
export function isTransient(error: unknown): boolean {
  if (error instanceof VkApiError) return TRANSIENT_CODES.has(error.code);
  if (error instanceof VkEndpointError) return false;
  return error instanceof VkNetworkError || error instanceof VkResponseError;
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with exponential backoff and
 * jitter. Each attempt gets a signal aborted at the deadline or on close. Rejects only with
 * {@link RetryGaveUp}; leaves no timer behind.
 */
export async function retryUntil<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryUntilOptions,
): Promise<T> {
  let delay = options.baseDelayMs;
  let lastError: Error | undefined;
  for (;;) {
    if (options.signal.aborted) throw new RetryGaveUp('closed', lastError);
    const remaining = options.deadline - performance.now();
    if (remaining <= 0) throw new RetryGaveUp('timeout', lastError);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RetryGaveUp('timeout', lastError)), remaining);
    const onClose = (): void => controller.abort(new RetryGaveUp('closed', lastError));
    options.signal.addEventListener('abort', onClose, { once: true });
    try {
      return await attempt(controller.signal);
    } catch (thrown) {
      if (controller.signal.aborted)
        throw new RetryGaveUp(options.signal.aborted ? 'closed' : 'timeout', lastError);
      lastError = toError(thrown);
      options.onError(lastError);
      if (!isTransient(lastError)) throw new RetryGaveUp('failed', lastError);
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onClose);
    }
    // Equal jitter: half the pause fixed, half random, so callers that failed together spread out.
    const pause = delay / 2 + (Math.random() * delay) / 2;
    delay *= 2;
    if (performance.now() + pause >= options.deadline) throw new RetryGaveUp('timeout', lastError);
    await sleep(pause, options.signal);
  }
}
