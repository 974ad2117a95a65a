// The fetcher as users run it: a child process of its own, configured by the environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const CWD = fileURLToPath(new URL('..', import.meta.url));

/** One JSON log line of the service. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A running fetcher process. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Every log line so far. */
  readonly logs: LogLine[];
  /** Everything written to stderr. */
  stderr(): string;
  /** The health/metrics base URL, once it logged it. */
  readonly http: Promise<string>;
  /** Resolves once a log line with this message appeared (also one logged before the call). */
  logged(message: string, timeoutMs?: number): Promise<LogLine>;
  /** The exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `src/main.ts` with node itself (tsx as an import hook, so a SIGKILL hits the service and
 * not a wrapper), with `env` on top of a minimal environment.
 */
export function spawnService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@vkwire/source', MAIN], {
    cwd: CWD,
    env: { PATH: process.env.PATH ?? '', HTTP_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const logs: LogLine[] = [];
  const waiters: { message: string; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      stderr += `${text}\n`;
      return;
    }
    logs.push(line);
    for (const waiter of [...waiters])
      if (line.msg === waiter.message) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logged = (message: string, timeoutMs = 20_000): Promise<LogLine> => {
    const seen = logs.find((line) => line.msg === message);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${message}" within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      waiters.push({
        message,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };
  const http = logged('fetcher: starting').then((line) => String(line.http));
  http.catch(() => {});
  return { child, logs, stderr: () => stderr, http, logged, exited };
}

const running = new Set<ChildProcess>();

/** Kills (SIGKILL) every service a test started and left running, e.g. when it failed midway. */
export async function killLeftovers(): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(exits);
}

/** SIGTERM, then the exit code and how long it took. */
export async function terminate(service: ServiceProcess): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  service.child.kill('SIGTERM');
  const { code } = await service.exited;
  return { code, ms: performance.now() - started };
}
