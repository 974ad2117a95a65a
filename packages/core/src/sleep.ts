/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects): the pause of a retry or a
 * poll that `stop()` must be able to cut short, leaving no timer behind.
 *
 * @example
 * while (!signal.aborted) {
 *   await poll();
 *   await sleep(1000, signal);
 * }
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
