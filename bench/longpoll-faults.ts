/**
 * Bots Long Poll under faults: 10k message_new events enqueued in steps of 500 every 250 ms with a
 * fault after each step (failed 1, failed 2, a dropped connection, a 502 page, a 1 s slow answer, in turn);
 * vkwire and vk-io against the same sandbox (its own process). Lost and duplicated events, and
 * total time against a fault-free run of the same client.
 *
 *   pnpm --filter @vkwire/bench longpoll-faults [--events 10000] [--every 500]
 */
import { parseArgs } from 'node:util';
import { type Consumer, startVkio, startVkwire } from './lib/clients.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    every: { type: 'string', default: '500' },
    pace: { type: 'string', default: '250' },
  },
});
const EVENTS = Number(values.events);
const EVERY = Number(values.every);
// Events trickle in as on a busy community (500 every 250 ms: 2000/s), rather than all at once.
const PACE_MS = Number(values.pace);

const FAULTS = [
  { name: 'failed 1', action: { kind: 'failed', code: 1 } },
  { name: 'failed 2', action: { kind: 'failed', code: 2 } },
  { name: 'drop', action: { kind: 'drop' } },
  { name: '502', action: { kind: 'status', status: 502 } },
  { name: 'slow 1 s', action: { kind: 'delay', ms: 1000 } },
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(
  sandbox: SandboxProcess,
  start: (onEvent: (id: string) => void) => Promise<Consumer>,
  withFaults: boolean,
) {
  // Keyed by peer_id:conversation_message_id, which both clients expose.
  const seen = new Map<string, number>();
  const consumer = await start((id) => {
    seen.set(id, (seen.get(id) ?? 0) + 1);
  });
  const started = performance.now();
  let faults = 0;
  for (let sent = 0; sent < EVENTS; sent += EVERY) {
    await control(sandbox, '/bulk', { count: Math.min(EVERY, EVENTS - sent) });
    if (withFaults) {
      const fault = FAULTS[faults % FAULTS.length] as (typeof FAULTS)[number];
      await control(sandbox, '/faults', { target: 'longPoll', action: fault.action, options: { times: 1 } });
      faults += 1;
    }
    await sleep(PACE_MS);
  }
  // Settle: until everything arrived, or nothing new came for 10 s (a client that lost events).
  let last = seen.size;
  let lastChange = performance.now();
  while (seen.size < EVENTS && performance.now() - lastChange < 10_000) {
    await sleep(20);
    if (seen.size !== last) {
      last = seen.size;
      lastChange = performance.now();
    }
  }
  const seconds = ((seen.size >= EVENTS ? performance.now() : lastChange) - started) / 1000;
  await consumer.stop();
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  const duplicated = [...seen.values()].reduce((sum, times) => sum + times - 1, 0);
  return { faults, lost: EVENTS - seen.size, duplicated, seconds: Number(seconds.toFixed(2)) };
}

const sandbox = await startSandboxProcess(['--no-rate-limit', '--history-size', String(EVENTS * 10)]);
try {
  const results = [];
  for (const [client, start] of [
    ['vkwire', (onEvent: (id: string) => void) => startVkwire(sandbox, onEvent)],
    ['vk-io', (onEvent: (id: string) => void) => startVkio(sandbox, onEvent)],
  ] as const) {
    const clean = await run(sandbox, start, false);
    const faulted = await run(sandbox, start, true);
    results.push({ client, clean, faulted, slowdown: Number((faulted.seconds / clean.seconds).toFixed(2)) });
  }
  console.log(
    JSON.stringify({
      scenario: 'longpoll-faults',
      events: EVENTS,
      faultEvery: EVERY,
      faultKinds: FAULTS.map((fault) => fault.name),
      results,
    }),
  );
  console.log(
    results
      .map(
        ({ client, clean, faulted, slowdown }) =>
          `${client}: ${faulted.faults} faults → ${faulted.lost} lost, ${faulted.duplicated} duplicated, ${faulted.seconds} s (fault-free ${clean.seconds} s, ${slowdown}×)`,
      )
      .join('; '),
  );
} finally {
  await sandbox.stop();
}
