// Starts ./bench-sandbox.ts in its own process and drives it: bulk and steady loads of message_new
// over many users and communities, enqueued inside the sandbox process.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./bench-sandbox.ts', import.meta.url));

/** A community of the bench sandbox. */
export interface BenchGroup {
  id: number;
  token: string;
}

/** The bench sandbox, running in its own process. */
export interface BenchSandbox {
  url: string;
  apiUrl: string;
  groups: readonly BenchGroup[];
  /** The process id (for CPU and memory figures). */
  pid: number;
  /** Enqueues `count` message_new at once to one community (default the first), over `users` users. */
  bulk(count: number, options: { users: number; text: string; groupId?: number }): Promise<void>;
  /** Enqueues `perGroup` message_new to each of the first `groups` communities (default all). */
  bulkEach(options: { perGroup: number; users: number; text: string; groups?: number }): Promise<number>;
  /**
   * Enqueues `rate` message_new a second for `seconds` over the first `groups` communities; each
   * text ends with `[at:<wall-clock ms>]` of its enqueue. Resolves when the last was enqueued.
   */
  steady(options: {
    rate: number;
    seconds: number;
    users: number;
    text: string;
    groups?: number;
  }): Promise<{ emitted: number; ticks: number; lateTicks: number }>;
  stop(): Promise<void>;
}

/** Starts a sandbox with `groups` communities in its own process (run this one under tsx). */
export async function startBenchSandbox(groups = 1): Promise<BenchSandbox> {
  // Node itself with this process's tsx loader flags (not the tsx CLI, which would put a second
  // process in between): `pid` is then the sandbox's own, for its CPU figures.
  const child: ChildProcess = spawn(
    process.execPath,
    [...process.execArgv, SCRIPT, '--groups', String(groups)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  // Never outlive the benchmark, whatever ends it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const waiting: Array<(line: Record<string, unknown>) => void> = [];
  let exited: Error | undefined;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    waiting.push(resolve);
    child.once('exit', (code) => {
      exited = new Error(`bench sandbox exited with ${code}`);
      reject(exited);
    });
  });
  lines.on('line', (line) => {
    const answer = JSON.parse(line) as Record<string, unknown>;
    waiting.shift()?.(answer);
  });
  const info = (await ready) as { url: string; apiUrl: string; groups: BenchGroup[] };
  const ask = (command: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      waiting.push((answer) =>
        answer.op === 'error' ? reject(new Error(String(answer.error))) : resolve(answer),
      );
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    });
  return {
    url: info.url,
    apiUrl: info.apiUrl,
    groups: info.groups,
    pid: child.pid as number,
    bulk: async (count, options) => {
      await ask({ op: 'bulk', count, ...options });
    },
    bulkEach: async (options) => Number((await ask({ op: 'bulkEach', ...options })).emitted),
    steady: async (options) =>
      (await ask({ op: 'steady', ...options })) as unknown as {
        emitted: number;
        ticks: number;
        lateTicks: number;
      },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
