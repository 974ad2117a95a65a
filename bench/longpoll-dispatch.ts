/**
 * Bots Long Poll dispatch: 300k message_new events, 100 per answer, one awaited handler each;
 * vkwire (validation on and off) and vk-io against the same sandbox (its own process) in the same
 * run, plus a raw node:http + JSON.parse client as the ceiling. Rate = events / time from the first
 * handled event to the last. Each client's own CPU per event and the sandbox's CPU share over its run
 * (`serverBusy`, 1 = a core kept busy) say whether a client or the server sets the pace.
 *
 * `--vk-like` runs the sandbox in its VK-like benchmark mode (each answer built per request, the
 * events spread over 1000 dialogs instead of 100); `--rounds N` repeats the vk-io / vkwire pair N
 * times, alternating which goes first, and reports medians.
 *
 *   pnpm --filter @vkwire/bench longpoll-dispatch [--events 300000] [--vk-like] [--rounds 1]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type Consumer, runRaw, startVkio, startVkwire } from './lib/clients.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    'vk-like': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '1' },
  },
});
const EVENTS = Number(values.events);
const VK_LIKE = values['vk-like'];
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] as number;

/** One client's run: its rate, its own CPU per event, and how busy it kept the server. */
interface Sample {
  rate: number;
  /** This process's CPU µs per event (the client's cost, whatever the server's speed). */
  clientCpuUs: number;
  /** The sandbox's CPU time over the wall time, first event to last (1 = a core kept busy). */
  serverBusy: number;
}

async function measure(
  sandbox: SandboxProcess,
  start: (onEvent: () => void) => Promise<Consumer>,
): Promise<Sample> {
  let handled = 0;
  let first = 0;
  let last = 0;
  let clientCpu = process.cpuUsage();
  let serverCpu = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const consumer = await start(() => {
    if (handled === 0) {
      first = performance.now();
      clientCpu = process.cpuUsage();
      serverCpu = sandbox.cpuMs();
    }
    handled += 1;
    if (handled === EVENTS) {
      last = performance.now();
      clientCpu = process.cpuUsage(clientCpu);
      serverCpu = sandbox.cpuMs() - serverCpu;
      finish();
    }
  });
  await control(sandbox, '/bulk', { count: EVENTS });
  await done;
  await consumer.stop();
  return {
    rate: EVENTS / ((last - first) / 1000),
    clientCpuUs: (clientCpu.user + clientCpu.system) / EVENTS,
    serverBusy: serverCpu / (last - first),
  };
}

const sandbox = await startSandboxProcess([
  '--no-rate-limit',
  '--history-size',
  String(EVENTS * (2 + 4 * ROUNDS)),
  ...(VK_LIKE ? ['--vk-like'] : []),
]);
try {
  const samples: Record<string, Sample[]> = {};
  const add = (name: string, sample: Sample) => {
    samples[name] = [...(samples[name] ?? []), sample];
  };
  // A warm-up pass of each, so that no client pays for the sandbox's JIT.
  await measure(sandbox, (onEvent) => startVkwire(sandbox, onEvent));
  await measure(sandbox, (onEvent) => startVkio(sandbox, onEvent));
  for (let round = 0; round < ROUNDS; round += 1) {
    const pair = [
      ['vk-io', () => measure(sandbox, (onEvent) => startVkio(sandbox, onEvent))],
      ['vkwire', () => measure(sandbox, (onEvent) => startVkwire(sandbox, onEvent))],
    ] as const;
    for (const [name, run] of round % 2 === 0 ? pair : [...pair].reverse()) add(name, await run());
    add(
      'vkwire (validation off)',
      await measure(sandbox, (onEvent) => startVkwire(sandbox, onEvent, { validate: false })),
    );
    const { fromTs } = await control<{ fromTs: number }>(sandbox, '/bulk', { count: EVENTS });
    const rawMs = await runRaw(sandbox, String(fromTs), EVENTS);
    // The raw client shares this process with nothing but the bench; its CPU is not split out.
    add('raw node:http + JSON.parse', { rate: EVENTS / (rawMs / 1000), clientCpuUs: NaN, serverBusy: NaN });
  }
  const vkio = median((samples['vk-io'] ?? []).map((sample) => sample.rate));
  const figures = Object.fromEntries(
    Object.entries(samples).map(([name, list]) => {
      const rate = median(list.map((sample) => sample.rate));
      const cpu = median(list.map((sample) => sample.clientCpuUs));
      const busy = median(list.map((sample) => sample.serverBusy));
      return [
        name,
        {
          eventsPerSecond: Math.round(rate),
          vsVkio: Number((rate / vkio).toFixed(2)),
          rounds: list.map((sample) => Math.round(sample.rate)),
          ...(Number.isNaN(cpu) ? {} : { clientCpuUsPerEvent: Number(cpu.toFixed(1)) }),
          ...(Number.isNaN(busy) ? {} : { serverBusy: Number(busy.toFixed(2)) }),
        },
      ];
    }),
  );
  console.log(
    JSON.stringify({
      scenario: 'longpoll-dispatch',
      events: EVENTS,
      perAnswer: 100,
      vkLike: VK_LIKE,
      rounds: ROUNDS,
      loadavg: loadavg().map((value) => Number(value.toFixed(2))),
      figures,
    }),
  );
  console.log(
    Object.entries(figures)
      .map(
        ([name, { eventsPerSecond, vsVkio, ...cost }]) =>
          `${name}: ${eventsPerSecond.toLocaleString('en')} ev/s (${vsVkio}× vk-io${
            'clientCpuUsPerEvent' in cost
              ? `; ${cost.clientCpuUsPerEvent} µs CPU/event, server busy ${cost.serverBusy}`
              : ''
          })`,
      )
      .join('; '),
  );
} finally {
  await sandbox.stop();
}
