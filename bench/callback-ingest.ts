/**
 * Callback API ingest: wrk (1 thread, 50 connections, 10 s) POSTs a 585-byte message_new with a
 * fresh event_id per request to (a) vkwire's serveCallback with secret check, validation and
 * dedupe on, (b) the same receiver as a hono app (createCallbackHandler) on @hono/node-server,
 * (c) vk-io's webhook callback on node:http, (d) a bare hono + @hono/node-server app that
 * JSON-parses the body and answers "ok". Each server runs in its own process, one at a time, in
 * the same run, after a 3 s warm-up; ratios are to bare hono. vkwire runs from its build (dist),
 * as users run it and as vk-io and hono run: tsx's transform of the sources (names kept on every
 * closure) would cost it a fifth of its throughput.
 *
 *   pnpm --filter @vkwire/bench callback-ingest [--duration 10] [--connections 50] [--rounds 1]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { createCallbackHandler } from '@vkwire/callback/hono';
import { serveCallback } from '@vkwire/callback/node';
import { Hono } from 'hono';
import { VK } from 'vk-io';

const GROUP_ID = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CONFIRMATION = '5f3e9a1c';
const BODY_BYTES = 585;
const KINDS = ['vkwire', 'vkwire on hono', 'vk-io', 'bare hono'] as const;
type Kind = (typeof KINDS)[number];

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
  },
});

/** A message_new body of exactly 585 bytes around a 40-hex event_id placeholder. */
function bodyParts(): { head: string; tail: string } {
  const head = `{"group_id":${GROUP_ID},"type":"message_new","event_id":"`;
  const tailFor = (text: string) =>
    `","v":"5.199","object":{"message":{"date":1748761325,"from_id":193847562,"id":1842,"out":0,"version":10004217,"attachments":[],"conversation_message_id":1203,"fwd_messages":[],"important":false,"is_hidden":false,"peer_id":193847562,"random_id":0,"text":"${text}"},"client_info":{"button_actions":["text","vkpay","open_app","location","open_link","callback"],"keyboard":true,"inline_keyboard":true,"carousel":true,"lang_id":0}},"secret":"${SECRET}"}`;
  const fixed = Buffer.byteLength(head) + 40 + Buffer.byteLength(tailFor(''));
  return { head, tail: tailFor('x'.repeat(BODY_BYTES - fixed)) };
}

/** A hono app on @hono/node-server, as hono's docs run it on Node. */
async function serveHono(app: Hono): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function runServer(kind: Kind): Promise<void> {
  let handled = 0;
  let url: string;
  let stop: () => Promise<void>;
  if (kind === 'vkwire') {
    const server = await serveCallback({
      groups: [{ groupId: GROUP_ID, secret: SECRET, confirmation: CONFIRMATION }],
      onUpdate: () => {
        handled += 1;
      },
    });
    url = server.url;
    stop = async () => {
      await server.stop();
    };
  } else if (kind === 'vkwire on hono') {
    const app = createCallbackHandler({
      groups: [{ groupId: GROUP_ID, secret: SECRET, confirmation: CONFIRMATION }],
      onUpdate: () => {
        handled += 1;
      },
    });
    ({ url, stop } = await serveHono(app));
  } else if (kind === 'vk-io') {
    const vk = new VK({ token: 'unused', webhookSecret: SECRET, webhookConfirmation: CONFIRMATION });
    vk.updates.on('message_new', () => {
      handled += 1;
    });
    const server = http.createServer(vk.updates.getWebhookCallback('/callback'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    url = `http://127.0.0.1:${port}/callback`;
    stop = () => new Promise((resolve) => server.close(() => resolve()));
  } else {
    const app = new Hono();
    app.post('/callback', async (c) => {
      await c.req.json();
      handled += 1;
      return c.text('ok');
    });
    ({ url, stop } = await serveHono(app));
  }
  console.log(JSON.stringify({ url }));
  // The parent says "stop" on stdin when wrk is done; the handled count goes back on stdout.
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'count') console.log(JSON.stringify({ handled }));
    if (line === 'stop') break;
  }
  setTimeout(() => process.exit(0), 500).unref();
  await stop();
  process.exit(0);
}

interface WrkResult {
  requestsPerSecond: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

const TSX = fileURLToPath(new URL('./node_modules/.bin/tsx', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const execFileAsync = promisify(execFile);

function luaScript(): string {
  const { head, tail } = bodyParts();
  const path = join(tmpdir(), `vkwire-callback-ingest-${process.pid}.lua`);
  // Each request gets a fresh event_id: a random per-run prefix and a counter (one wrk thread).
  writeFileSync(
    path,
    `math.randomseed(os.time())
local prefix = string.format("%08x", math.random(0, 0x7fffffff))
local counter = 0
local head = ${JSON.stringify(head)}
local tail = ${JSON.stringify(tail)}
local headers = { ["Content-Type"] = "application/json" }
request = function()
  counter = counter + 1
  return wrk.format("POST", nil, headers, head .. prefix .. string.format("%032x", counter) .. tail)
end
`,
  );
  return path;
}

function parseWrk(output: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (!rate || !p99 || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const scale = p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1;
  return {
    requestsPerSecond: Number(rate[1]),
    p99Ms: Number(p99[1]) * scale,
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: errors ? errors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0,
  };
}

async function wrk(url: string, seconds: number, connections: number, script: string): Promise<WrkResult> {
  const { stdout } = await execFileAsync('/usr/bin/wrk', [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script,
    url,
  ]);
  return parseWrk(stdout);
}

async function measure(kind: Kind, seconds: number, connections: number, script: string) {
  const child: ChildProcess = spawn(TSX, [SELF, '--serve', kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
  const { url } = JSON.parse(await next()) as { url: string };
  try {
    await wrk(url, 3, connections, script); // warm-up: JIT, connection setup
    const result = await wrk(url, seconds, connections, script);
    child.stdin?.write('count\n');
    const { handled } = JSON.parse(await next()) as { handled: number };
    return { ...result, handled };
  } finally {
    child.stdin?.end('stop\n');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (values.serve) {
  await runServer(values.serve as Kind);
} else {
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  const rounds = Number(values.rounds);
  const script = luaScript();
  const results = new Map<Kind, Array<Awaited<ReturnType<typeof measure>>>>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const kind of KINDS) {
        const result = await measure(kind, seconds, connections, script);
        results.set(kind, [...(results.get(kind) ?? []), result]);
      }
    }
  } finally {
    unlinkSync(script);
  }
  const median = (kind: Kind) => {
    const list = [...(results.get(kind) ?? [])].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
    return list[Math.floor(list.length / 2)] as Awaited<ReturnType<typeof measure>>;
  };
  const bare = median('bare hono');
  const figures = Object.fromEntries(
    KINDS.map((kind) => {
      const result = median(kind);
      return [
        kind,
        {
          reqPerSec: Math.round(result.requestsPerSecond),
          p99Ms: Number(result.p99Ms.toFixed(2)),
          ratioToBareHono: Number((result.requestsPerSecond / bare.requestsPerSecond).toFixed(3)),
          requests: result.requests,
          handled: result.handled,
          non2xx: result.non2xx,
          socketErrors: result.errors,
        },
      ];
    }),
  );
  console.log(
    JSON.stringify({
      scenario: 'callback-ingest',
      seconds,
      connections,
      bodyBytes: BODY_BYTES,
      rounds,
      figures,
    }),
  );
  for (const kind of KINDS) {
    const figure = figures[kind] as { reqPerSec: number; p99Ms: number; ratioToBareHono: number };
    console.log(
      `${kind.padEnd(14)} ${figure.reqPerSec.toLocaleString('en-US')} req/s, p99 ${figure.p99Ms} ms, ${figure.ratioToBareHono}× bare hono`,
    );
  }
}
