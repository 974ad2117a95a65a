/**
 * Bots Long Poll dispatch: 300k message_new events, 100 per answer, one awaited handler each;
 * vkwire (validation on and off) and vk-io against the same sandbox (its own process) in the same
 * run, plus a raw node:http + JSON.parse client as the ceiling. Rate = events / time from the first
 * handled event to the last.
 *
 *   pnpm --filter @vkwire/bench longpoll-dispatch [--events 300000]
 */
import { parseArgs } from 'node:util';
import { type Consumer, runRaw, startVkio, startVkwire } from './lib/clients.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '300000' } } });
const EVENTS = Number(values.events);

async function measure(
  sandbox: SandboxProcess,
  start: (onEvent: () => void) => Promise<Consumer>,
): Promise<number> {
  let handled = 0;
  let first = 0;
  let last = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumer = await start(() => {
    if (handled === 0) first = performance.now();
    handled += 1;
    if (handled === EVENTS) {
      last = performance.now();
      finish();
    }
  });
  await control(sandbox, '/bulk', { count: EVENTS });
  await done;
  await consumer.stop();
  return EVENTS / ((last - first) / 1000);
}

const sandbox = await startSandboxProcess(['--no-rate-limit', '--history-size', String(EVENTS * 6)]);
try {
  const rates: Record<string, number> = {};
  // A warm-up pass of each, so that no client pays for the sandbox's JIT.
  await measure(sandbox, (onEvent) => startVkwire(sandbox, onEvent));
  rates['vk-io'] = await measure(sandbox, (onEvent) => startVkio(sandbox, onEvent));
  rates.vkwire = await measure(sandbox, (onEvent) => startVkwire(sandbox, onEvent));
  rates['vkwire (validation off)'] = await measure(sandbox, (onEvent) =>
    startVkwire(sandbox, onEvent, { validate: false }),
  );
  const { fromTs } = await control<{ fromTs: number }>(sandbox, '/bulk', { count: EVENTS });
  rates['raw node:http + JSON.parse'] = EVENTS / ((await runRaw(sandbox, String(fromTs), EVENTS)) / 1000);
  const vkio = rates['vk-io'] ?? 1;
  const figures = Object.fromEntries(
    Object.entries(rates).map(([name, rate]) => [
      name,
      { eventsPerSecond: Math.round(rate), vsVkio: Number((rate / vkio).toFixed(2)) },
    ]),
  );
  console.log(JSON.stringify({ scenario: 'longpoll-dispatch', events: EVENTS, perAnswer: 100, figures }));
  console.log(
    Object.entries(figures)
      .map(
        ([name, { eventsPerSecond, vsVkio }]) =>
          `${name}: ${eventsPerSecond.toLocaleString('en')} ev/s (${vsVkio}× vk-io)`,
      )
      .join('; '),
  );
} finally {
  await sandbox.stop();
}
