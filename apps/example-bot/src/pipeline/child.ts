// One child process of the pipeline: its output prefixed with its name, its exit as a promise, a stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a child ended: its code (null after a signal), the signal, or the error that kept it from running. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (e.g. `ENOENT`: the command is not installed). */
  error?: Error | undefined;
}

/** What {@link startChild} runs. */
export interface ChildOptions {
  /** The prefix of its lines (`fetcher` prints `[fetcher] ...`). */
  name: string;
  command: string;
  args: readonly string[];
  /** Its whole environment (nothing of the pipeline's is passed on but what is here). */
  env: Record<string, string>;
  /** Open an IPC channel (`process.send` in the child). @default false */
  ipc?: boolean;
}

/** A running child process. */
export interface PipelineChild {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves once the process has ended (or failed to start). */
  readonly exited: Promise<ChildExit>;
  /**
   * SIGTERM, then SIGKILL when it has not exited within `timeoutMs`; resolves with its exit and
   * whether it had to be killed.
   */
  stop(timeoutMs: number): Promise<ChildExit & { killed: boolean }>;
}

/**
 * Starts `command` in a process group of its own, so a `Ctrl+C` in the terminal reaches only the
 * pipeline, which stops the children in order (Redis last). Its stdout and stderr go to the
 * pipeline's, each line prefixed with `[name] `.
 */
export function startChild(options: ChildOptions): PipelineChild {
  const child = spawn(options.command, options.args, {
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const prefix = `[${options.name}] `;
  const forward = (from: NodeJS.ReadableStream | null, to: NodeJS.WriteStream): void => {
    if (from === null) return;
    createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      to.write(`${prefix}${line}\n`);
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (error) => {
      // 'error' without a pid: it never ran, and no 'exit' follows.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const stop = async (timeoutMs: number): Promise<ChildExit & { killed: boolean }> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return { ...outcome, killed: false };
    child.kill('SIGKILL');
    return { ...(await exited), killed: true };
  };
  return { name: options.name, process: child, exited, stop };
}

/** How an exit reads in one line: `exited with code 1`, `was killed by SIGKILL`, `could not start: ...`. */
export function describeExit(exit: ChildExit): string {
  if (exit.error !== undefined) return `could not start: ${exit.error.message}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
