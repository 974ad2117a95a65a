/**
 * How many Bots Long Poll events per second the sandbox serves to a minimal client
 * (node:http keep-alive + JSON.parse), the sandbox in its own process.
 *
 *   pnpm --filter @vkwire/bench sandbox-longpoll [--events 300000] [--rounds 3]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { control, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '3' } },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

const sandbox = await startSandboxProcess(['--no-rate-limit', '--history-size', String(EVENTS + 1000)]);
try {
  const body = new URLSearchParams({
    v: '5.199',
    access_token: sandbox.token,
    group_id: String(sandbox.groupId),
  });
  const server = (await (
    await fetch(`${sandbox.apiUrl}/groups.getLongPollServer`, { method: 'POST', body })
  ).json()) as {
    response: { server: string; key: string; ts: string };
  };
  const { key } = server.response;
  let ts = server.response.ts;
  const rates: number[] = [];
  // Round 0 warms up the JIT of both processes and is not counted.
  for (let round = 0; round <= ROUNDS; round += 1) {
    await control(sandbox, '/bulk', { count: EVENTS });
    let received = 0;
    const started = performance.now();
    while (received < EVENTS) {
      const answer = JSON.parse(
        await get(`${server.response.server}?act=a_check&key=${key}&ts=${ts}&wait=25`),
      ) as {
        ts: string;
        updates: unknown[];
      };
      received += answer.updates.length;
      ts = answer.ts;
    }
    const seconds = (performance.now() - started) / 1000;
    if (round > 0) rates.push(EVENTS / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = Math.round(rates[Math.floor(rates.length / 2)] ?? 0);
  const figures = {
    scenario: 'sandbox-longpoll',
    events: EVENTS,
    perAnswer: 100,
    rounds: ROUNDS,
    eventsPerSecond: median,
    all: rates.map(Math.round),
  };
  console.log(JSON.stringify(figures));
  console.log(
    `sandbox serves ${median.toLocaleString('en')} Bots Long Poll events/s to a raw node:http + JSON.parse client (median of ${ROUNDS} rounds of ${EVENTS.toLocaleString('en')})`,
  );
} finally {
  agent.destroy();
  await sandbox.stop();
}
