// More than ten API calls at once from one handler or one task run share one run-wide signal:
// Node must not warn about an EventTarget leak (each call removes its listener when it settles).
import { expect, test } from 'vitest';
import { deferred, sandbox, startedBot } from './helpers.js';

function warningsDuring(): { names: () => string[]; stop: () => void } {
  const seen: string[] = [];
  const listener = (warning: Error): void => {
    seen.push(`${warning.name}: ${warning.message}`);
  };
  process.on('warning', listener);
  return { names: () => seen, stop: () => process.off('warning', listener) };
}

test('30 API calls at once from a handler and from a task run: no MaxListenersExceededWarning', async () => {
  const vk = await sandbox({ rateLimit: { group: 20, user: 3 } });
  const warnings = warningsDuring();
  const taskDone = deferred();
  try {
    const { seen } = await startedBot(vk, (bot) => {
      bot.command('burst', async (ctx) => {
        await Promise.all(Array.from({ length: 30 }, (_, i) => ctx.send(`message ${i}`)));
      });
      let ran = false;
      bot.every('50ms', async ({ signal }) => {
        if (ran) return;
        ran = true;
        await Promise.all(Array.from({ length: 30 }, () => bot.api.groups.getById({}, { signal })));
        taskDone.resolve();
      });
    });
    vk.user(1).send('/burst');
    await seen.until(1);
    await taskDone.promise;
    expect(vk.sent({ peer: 1 })).toHaveLength(30);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.names().filter((name) => name.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  } finally {
    warnings.stop();
  }
});
