// A call waiting to be retried holds a timer. When the call is settled otherwise — close() gave up
// on it, its signal aborted — the timer goes with it: nothing of a closed client fires later, and
// no timer keeps the process alive for seconds after close().
import { createHook } from 'node:async_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import { VkClosedError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

// The backoff is DELAY × (0.5 … 1) with a random factor: a fraction of a millisecond in that range,
// where the other timers (undici's keep-alive, the sandbox's) wait whole milliseconds.
const DELAY = 4321;
const isRetryTimer = (ms: number) => ms >= DELAY / 2 && ms <= DELAY && !Number.isInteger(ms);

/** Resolves once `predicate` holds (checked every 5 ms, at most 3 s). */
async function until(predicate: () => boolean): Promise<void> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > 3000) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Ids of the retry timers now armed. */
function watchRetryTimers(): { live: Set<number>; stop(): void } {
  const live = new Set<number>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      const ms = (resource as { _idleTimeout?: number })._idleTimeout;
      if (type === 'Timeout' && typeof ms === 'number' && isRetryTimer(ms)) live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  return { live, stop: () => hook.disable() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the timer of a call waiting for its retry', () => {
  test('close() that gives up on the call clears it', async () => {
    current = await rig({
      tokenType: 'group',
      closeTimeoutMs: 50,
      retry: { baseDelayMs: DELAY, maxDelayMs: DELAY },
    });
    const { api, vk } = current;
    const timers = watchRetryTimers();
    try {
      vk.faults.apiError(10);
      const call = api.groups.getById().catch((caught: unknown) => caught);
      await until(() => timers.live.size === 1); // waiting for the retry
      await api.close();
      expect(await call).toBeInstanceOf(VkClosedError);
      await settle();
      expect(timers.live.size).toBe(0);
    } finally {
      timers.stop();
    }
  });

  test('an abort of the call clears it', async () => {
    current = await rig({ tokenType: 'group', retry: { baseDelayMs: DELAY, maxDelayMs: DELAY } });
    const { api, vk } = current;
    const timers = watchRetryTimers();
    try {
      vk.faults.apiError(10);
      const controller = new AbortController();
      const call = api.groups.getById({}, { signal: controller.signal }).catch((caught: unknown) => caught);
      await until(() => timers.live.size === 1);
      controller.abort(new Error('no longer needed'));
      expect(((await call) as Error).message).toBe('no longer needed');
      await settle();
      expect(timers.live.size).toBe(0);
    } finally {
      timers.stop();
    }
  });
});
