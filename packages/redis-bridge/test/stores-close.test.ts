// Once a store's close() resolves, nothing of it runs: the timers that bound its calls' wait to be
// sent are cleared with it, not left to fire later.
import { createHook } from 'node:async_hooks';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { RedisStorage } from '../src/stores/index.js';

test("close() clears the store's send-wait timers: none of them fires after it", async () => {
  // retryForMs 300: each send window's timer waits the least send wait, 1 s, plus the 100 ms window.
  const delay = 1100;
  const live = new Set<number>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout' && (resource as { _idleTimeout?: number })._idleTimeout === delay) live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  try {
    const storage = new RedisStorage<{ n: number }>({ redis: redisUrl(), retryForMs: 300 });
    await storage.set('close-test', { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, 150)); // a second send window
    await storage.get('close-test');
    expect(live.size).toBeGreaterThanOrEqual(2); // the windows' timers, armed
    await storage.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(live.size).toBe(0); // cleared, not waiting to fire
  } finally {
    hook.disable();
  }
});
