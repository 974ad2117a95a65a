import { describe, expect, it } from 'vitest';
import { sleep } from '../src/index.ts';

/** A signal that counts the listeners added to it and not removed yet. */
function countedSignal(): { controller: AbortController; listeners: () => number } {
  const controller = new AbortController();
  const { signal } = controller;
  let listeners = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<typeof add>) => {
    listeners += 1;
    add(...args);
  };
  signal.removeEventListener = (...args: Parameters<typeof remove>) => {
    listeners -= 1;
    remove(...args);
  };
  return { controller, listeners: () => listeners };
}

describe('sleep', () => {
  it('resolves after the pause, and lets go of the signal', async () => {
    const { controller, listeners } = countedSignal();
    const start = performance.now();
    await sleep(30, controller.signal);
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    expect(listeners()).toBe(0);
  });

  it('resolves at once when the signal aborts, and lets go of it', async () => {
    const { controller, listeners } = countedSignal();
    const start = performance.now();
    const pause = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await pause;
    expect(performance.now() - start).toBeLessThan(5_000);
    expect(listeners()).toBe(0);
  });

  it('resolves at once for a signal aborted before', async () => {
    const start = performance.now();
    await sleep(60_000, AbortSignal.abort());
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
