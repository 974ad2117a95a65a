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
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCallbackHandler } from '@vkwire/callback/hono';
import { serveCallback } from '@vkwire/callback/node';
import { Hono } from 'hono';
import { VK } from 'vk-io';
import {
  BODY_BYTES,
  CONFIRMATION,
  GROUP_ID,
  SECRET,
  serveHono,
  writeLuaScript,
  wrk,
} from './lib/callback-load.ts';

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

const TSX = fileURLToPath(new URL('./node_modules/.bin/tsx', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
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
  const lua = writeLuaScript('callback-ingest');
  const script = lua.path;
  const results = new Map<Kind, Array<Awaited<ReturnType<typeof measure>>>>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const kind of KINDS) {
        const result = await measure(kind, seconds, connections, script);
        results.set(kind, [...(results.get(kind) ?? []), result]);
      }
    }
  } finally {
    lua.remove();
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
