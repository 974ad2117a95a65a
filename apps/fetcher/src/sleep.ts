import { untilAborted } from '@vkwire/core';

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * `promise`'s value, or undefined as soon as `signal` aborts (the promise is left to settle
 * unobserved: its rejection is not reported). The listener is removed either way.
 */
export function within<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return untilAborted(promise, signal).catch((error: unknown) => {
    if (signal.aborted && error === signal.reason) return undefined;
    throw error;
  });
}

/**
 * `promise`'s value, or undefined once `ms` have passed (the promise is left to settle unobserved);
 * the timer is cleared either way, so none outlives the wait (AbortSignal.timeout's would).
 */
export async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), ms);
  try {
    return await within(promise, deadline.signal);
  } finally {
    clearTimeout(timer);
  }
}
