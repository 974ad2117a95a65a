import { describe, expect, it } from 'vitest';
import { sleep, untilAborted } from '../src/index.ts';

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

describe('untilAborted', () => {
  it('settles as the promise does while the signal holds, and lets go of the signal', async () => {
    const { controller, listeners } = countedSignal();
    expect(await untilAborted(Promise.resolve(7), controller.signal)).toBe(7);
    await expect(untilAborted(Promise.reject(new Error('no')), controller.signal)).rejects.toThrow('no');
    expect(listeners()).toBe(0);
  });

  it("rejects with the signal's reason as soon as it aborts, the promise left to settle unobserved", async () => {
    const controller = new AbortController();
    let fail!: (error: Error) => void;
    const never = new Promise<number>((_, reject) => {
      fail = reject;
    });
    const waiting = untilAborted(never, controller.signal);
    const reason = new Error('stopped');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    // Its later rejection is not reported as unhandled (vitest fails the run if it is).
    fail(new Error('late'));
    await sleep(5);
    await expect(untilAborted(Promise.resolve(1), AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
