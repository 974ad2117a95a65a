// Runs the event-fetcher service from its build (`apps/fetcher/dist/main.js`, as deployed) in a
// child process configured through its environment, and reads its pino log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../apps/fetcher/dist/main.js', import.meta.url));

/** One pino line of the fetcher. */
export interface FetcherLogLine {
  level: number;
  msg: string;
  time: number;
  [field: string]: unknown;
}

/** A fetcher child process. */
export interface FetcherProcess {
  pid: number;
  /** Its health and metrics server, e.g. `http://127.0.0.1:40123`. */
  httpUrl: string;
  /** Every log line so far (warnings and errors are also echoed to stderr). */
  readonly log: readonly FetcherLogLine[];
  /** Resolves with the first log line (past or future) that `match` accepts. */
  waitForLog(match: (line: FetcherLogLine) => boolean, timeoutMs?: number): Promise<FetcherLogLine>;
  /** GET a path of its HTTP server as text. */
  get(path: string): Promise<string>;
  /** Sends `signal`; resolves with the exit code when the process is gone. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

/** Options of {@link startFetcherProcess}: the service's environment and Node flags. */
export interface FetcherProcessOptions {
  /** Environment variables of the service (VK_TOKEN, REDIS_URL, ...); HTTP_PORT defaults to 0. */
  env: Record<string, string>;
  /** Extra Node flags, e.g. `--cpu-prof`. */
  nodeFlags?: readonly string[];
  /** The entry to run instead of the build's main.js (another build, to compare a change). */
  main?: string;
  /** A name for messages. */
  name?: string;
}

/** Starts the fetcher and resolves once its HTTP server is up (the "starting" line). */
export async function startFetcherProcess(options: FetcherProcessOptions): Promise<FetcherProcess> {
  const name = options.name ?? 'fetcher';
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeFlags ?? []), options.main ?? MAIN], {
    env: { PATH: process.env.PATH ?? '', HTTP_PORT: '0', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never outlive the benchmark, whatever ends it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const log: FetcherLogLine[] = [];
  const watchers: Array<{
    match: (line: FetcherLogLine) => boolean;
    resolve: (line: FetcherLogLine) => void;
  }> = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', orphanGuard);
      resolve(code);
    }),
  );
  createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (text) => {
    let line: FetcherLogLine;
    try {
      line = JSON.parse(text) as FetcherLogLine;
    } catch {
      process.stderr.write(`${name}: ${text}\n`);
      return;
    }
    log.push(line);
    if (line.level >= 40) process.stderr.write(`${name}: ${text}\n`);
    for (let index = watchers.length - 1; index >= 0; index--) {
      const watcher = watchers[index] as (typeof watchers)[number];
      if (watcher.match(line)) {
        watchers.splice(index, 1);
        watcher.resolve(line);
      }
    }
  });
  const waitForLog = (match: (line: FetcherLogLine) => boolean, timeoutMs = 60_000) => {
    const past = log.find(match);
    if (past) return Promise.resolve(past);
    return new Promise<FetcherLogLine>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: no matching log line within ${timeoutMs} ms`)),
        timeoutMs,
      );
      watchers.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void exited.then((code) => reject(new Error(`${name} exited with ${code}`)));
    });
  };
  const starting = await waitForLog((line) => line.msg === 'fetcher: starting');
  const httpUrl = String(starting.http);
  return {
    pid: child.pid as number,
    httpUrl,
    log,
    waitForLog,
    get: async (path) => (await fetch(`${httpUrl}${path}`)).text(),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    exited,
  };
}

/** A counter of the fetcher's /metrics, summed over its labels. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{'))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
