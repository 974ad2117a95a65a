/**
 * The Callback API receiver as a hono app, by CPU time per request: a bare hono +
 * @hono/node-server app (`await c.req.json(); return c.text('ok')`) vs vkwire's
 * `createCallbackHandler` (`@vkwire/callback/hono`: secret check, validation, dedupe on) on the
 * same server. Each runs in its own process, all up at once; wrk (1 thread, 50 connections, the
 * 585-byte message_new with a fresh event_id per request) loads one at a time, in turn, the order
 * reversed every other round, after a warm-up of each. Each server reports `process.cpuUsage()`
 * and the requests it handled before and after its window: CPU µs per request is the figure that
 * survives a shared machine (wrk's req/s does not). vkwire runs from its build (dist).
 *
 *   pnpm --filter @vkwire/bench callback-hono [--duration 2] [--rounds 16] [--connections 50]
 *     [--warmup 8] [--baseline <a built @vkwire/callback's dist/hono.js, measured beside>]
 *     [--cpu-prof <dir> (profiles every server: CPU.<date>.<time>.<pid>.*.cpuprofile, pids printed)]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createCallbackHandler } from '@vkwire/callback/hono';
import { Hono } from 'hono';
import {
  BODY_BYTES,
  CONFIRMATION,
  GROUP_ID,
  SECRET,
  serveHono,
  type WrkResult,
  writeLuaScript,
  wrk,
} from './lib/callback-load.ts';

const BARE = 'bare hono';
const VKWIRE = 'vkwire on hono';
const BASELINE = 'vkwire on hono (baseline)';
type Kind = typeof BARE | typeof VKWIRE | typeof BASELINE;

const { values } = parseArgs({
  options: {
    serve: { type: 'string' },
    module: { type: 'string' },
    duration: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '16' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '8' },
    baseline: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});

/** What a server says when asked: its CPU so far and the requests it handled. */
interface Usage {
  userUs: number;
  systemUs: number;
  handled: number;
}

type CreateHandler = typeof createCallbackHandler;

async function runServer(kind: Kind, module: string | undefined): Promise<void> {
  let handled = 0;
  let app: Hono;
  if (kind === BARE) {
    app = new Hono();
    app.post('/callback', async (c) => {
      await c.req.json();
      handled += 1;
      return c.text('ok');
    });
  } else {
    const create: CreateHandler =
      module === undefined
        ? createCallbackHandler
        : ((await import(pathToFileURL(module).href)) as { createCallbackHandler: CreateHandler })
            .createCallbackHandler;
    app = create({
      groups: [{ groupId: GROUP_ID, secret: SECRET, confirmation: CONFIRMATION }],
      onUpdate: () => {
        handled += 1;
      },
    });
  }
  const { url, stop } = await serveHono(app);
  console.log(JSON.stringify({ url }));
  // The parent asks "usage" on stdin around each window and says "stop" at the end.
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'usage') {
      const { user, system } = process.cpuUsage();
      console.log(JSON.stringify({ userUs: user, systemUs: system, handled } satisfies Usage));
    }
    if (line === 'stop') break;
  }
  setTimeout(() => process.exit(0), 500).unref();
  await stop();
  process.exit(0);
}

/** A server process and its control line. */
interface Server {
  kind: Kind;
  pid: number | undefined;
  url: string;
  usage(): Promise<Usage>;
  stop(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

async function startServer(kind: Kind, module: string | undefined, nodeFlags: string[]): Promise<Server> {
  const args = [...nodeFlags, ...process.execArgv, SELF, '--serve', kind];
  if (module !== undefined) args.push('--module', module);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  // Never outlive the benchmark, whatever ends it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => process.off('exit', orphanGuard));
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      void exited.then(() => reject(new Error(`${kind} server exited`)));
    });
  const { url } = JSON.parse(await next()) as { url: string };
  return {
    kind,
    pid: child.pid,
    url,
    usage: async () => {
      child.stdin?.write('usage\n');
      return JSON.parse(await next()) as Usage;
    },
    stop: async () => {
      child.stdin?.end('stop\n');
      await exited;
    },
  };
}

/** One window of wrk on one server. */
interface Window extends WrkResult {
  handled: number;
  /** User + system. */
  cpuUsPerRequest: number;
  systemUsPerRequest: number;
}

async function measure(
  server: Server,
  seconds: number,
  connections: number,
  script: string,
): Promise<Window> {
  const before = await server.usage();
  const result = await wrk(server.url, seconds, connections, script);
  const after = await server.usage();
  const handled = after.handled - before.handled;
  const systemUs = after.systemUs - before.systemUs;
  const cpuUs = after.userUs - before.userUs + systemUs;
  return { ...result, handled, cpuUsPerRequest: cpuUs / handled, systemUsPerRequest: systemUs / handled };
}

const median = (list: number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const round1 = (value: number): number => Math.round(value * 10) / 10;

async function main(): Promise<void> {
  const seconds = Number(values.duration);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const warmup = Number(values.warmup);
  const baseline = values.baseline === undefined ? undefined : resolvePath(values.baseline);
  const profile = values['cpu-prof'];
  const profileFlags = profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', resolvePath(profile)];
  const lua = writeLuaScript('callback-hono');
  const servers: Server[] = [];
  try {
    servers.push(await startServer(BARE, undefined, profileFlags));
    servers.push(await startServer(VKWIRE, undefined, profileFlags));
    if (baseline !== undefined) servers.push(await startServer(BASELINE, baseline, profileFlags));
    if (profile !== undefined)
      console.error(
        `profiles in ${profile}: ${servers.map((server) => `${server.kind} pid ${server.pid}`).join(', ')}`,
      );
    for (const server of servers) await wrk(server.url, warmup, connections, lua.path); // JIT, connections
    const windows = new Map<Kind, Window[]>(servers.map((server) => [server.kind, []]));
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        windows.get(server.kind)?.push(await measure(server, seconds, connections, lua.path));
      }
    }
    report(windows, { seconds, rounds, connections, warmup, baseline });
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    lua.remove();
  }
}

function report(windows: Map<Kind, Window[]>, run: Record<string, unknown>): void {
  const of = (kind: Kind) => windows.get(kind) ?? [];
  const bareCpu = median(of(BARE).map((window) => window.cpuUsPerRequest));
  const bareRate = median(of(BARE).map((window) => window.requestsPerSecond));
  const figures = Object.fromEntries(
    [...windows.keys()].map((kind) => {
      const list = of(kind);
      const cpu = median(list.map((window) => window.cpuUsPerRequest));
      const rate = median(list.map((window) => window.requestsPerSecond));
      return [
        kind,
        {
          cpuUsPerRequest: round1(cpu),
          cpuUsPerRequestRounds: list.map((window) => round1(window.cpuUsPerRequest)),
          cpuRatio: Number((bareCpu / cpu).toFixed(3)),
          systemUsPerRequest: round1(median(list.map((window) => window.systemUsPerRequest))),
          reqPerSec: Math.round(rate),
          reqPerSecRounds: list.map((window) => Math.round(window.requestsPerSecond)),
          rateRatio: Number((rate / bareRate).toFixed(3)),
          p99Ms: Number(median(list.map((window) => window.p99Ms)).toFixed(2)),
          requests: list.reduce((sum, window) => sum + window.requests, 0),
          handled: list.reduce((sum, window) => sum + window.handled, 0),
          non2xx: list.reduce((sum, window) => sum + window.non2xx, 0),
          socketErrors: list.reduce((sum, window) => sum + window.errors, 0),
        },
      ];
    }),
  );
  console.log(JSON.stringify({ scenario: 'callback-hono', bodyBytes: BODY_BYTES, ...run, figures }));
  for (const [kind, figure] of Object.entries(figures)) {
    console.log(
      `${kind.padEnd(26)} ${String(figure.cpuUsPerRequest).padStart(6)} CPU µs/request (${figure.cpuUsPerRequestRounds.join(' ')}; system ${figure.systemUsPerRequest}), bare/this ${figure.cpuRatio}; ${figure.reqPerSec.toLocaleString('en-US')} req/s (${figure.rateRatio}× bare)`,
    );
  }
}

if (values.serve) await runServer(values.serve as Kind, values.module);
else await main();
