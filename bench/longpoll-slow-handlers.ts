/**
 * Slow handlers: 100k message_new events waiting, every handler takes 2 s. Peak RSS and the most
 * handlers in flight over a 15 s window, vkwire (concurrency 64) and vk-io, each client in its own
 * process so that memory figures do not mix; the sandbox runs in a third process.
 *
 *   pnpm --filter @vkwire/bench longpoll-slow-handlers [--events 100000] [--seconds 15]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startVkio, startVkwire } from './lib/clients.ts';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '64' },
    client: { type: 'string' },
    sandbox: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Child mode: one client, report figures as one JSON line. */
async function measureClient(client: string, sandbox: SandboxProcess): Promise<void> {
  let inFlight = 0;
  let maxInFlight = 0;
  let started = 0;
  let finished = 0;
  const onEvent = async () => {
    started += 1;
    inFlight += 1;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    await sleep(2000);
    inFlight -= 1;
    finished += 1;
  };
  const baselineRss = process.memoryUsage.rss();
  const consumer =
    client === 'vkwire'
      ? await startVkwire(sandbox, onEvent, { concurrency: CONCURRENCY })
      : await startVkio(sandbox, onEvent);
  await control(sandbox, '/bulk', { count: EVENTS });
  let peakRss = 0;
  const until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    await sleep(50);
  }
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  console.log(
    JSON.stringify({
      client,
      baselineRssMb: mb(baselineRss),
      peakRssMb: mb(peakRss),
      growthMb: mb(peakRss - baselineRss),
      maxInFlight,
      started,
      finished,
    }),
  );
  // vk-io's stop() neither aborts its request nor waits for handlers: exit rather than wait for 100k of them.
  process.exit(0);
  await consumer.stop();
}

function runChild(client: string, sandbox: SandboxProcess): Promise<Record<string, number | string>> {
  const script = fileURLToPath(import.meta.url);
  const tsx = fileURLToPath(new URL('./node_modules/.bin/tsx', import.meta.url));
  const child = spawn(
    tsx,
    [
      '--conditions=@vkwire/source',
      script,
      '--client',
      client,
      '--sandbox',
      JSON.stringify(sandbox),
      '--events',
      String(EVENTS),
      '--seconds',
      String(SECONDS),
      '--concurrency',
      String(CONCURRENCY),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('exit', () => {
      const line = output.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, number | string>);
      } catch {
        reject(new Error(`${client} child printed no figures: ${output.slice(0, 300)}`));
      }
    }),
  );
}

if (values.client && values.sandbox) {
  const info = JSON.parse(values.sandbox) as SandboxProcess;
  await measureClient(values.client, { ...info, stop: async () => {} });
} else {
  const results = [];
  for (const client of ['vkwire', 'vk-io']) {
    // A fresh sandbox per client: the previous client's backlog must not be the next one's.
    const sandbox = await startSandboxProcess(['--no-rate-limit', '--history-size', String(EVENTS * 2)]);
    try {
      results.push(await runChild(client, sandbox));
    } finally {
      await sandbox.stop();
    }
  }
  console.log(
    JSON.stringify({
      scenario: 'longpoll-slow-handlers',
      events: EVENTS,
      handlerMs: 2000,
      windowSeconds: SECONDS,
      concurrency: CONCURRENCY,
      results,
    }),
  );
  console.log(
    results
      .map(
        (result) =>
          `${result.client}: peak RSS ${result.peakRssMb} MB (${result.baselineRssMb} MB before polling), max ${result.maxInFlight} handlers in flight`,
      )
      .join('; '),
  );
}
