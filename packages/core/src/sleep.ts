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

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts: for a call that
 * takes no signal of its own, which `stop()` must not wait for (it is left to settle unobserved;
 * its rejection is not reported). The listener is removed either way.
 *
 * @example
 * const info = await untilAborted(api.tokenInfo(), stopSignal);
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
