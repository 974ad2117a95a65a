import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A sandbox running in its own process, as the benchmarks need (the client must not share its event loop). */
export interface SandboxProcess {
  url: string;
  apiUrl: string;
  groupId: number;
  token: string;
  /**
   * CPU milliseconds (user + system) the sandbox process has used so far, from `/proc` (Linux);
   * NaN where that cannot be read.
   */
  cpuMs(): number;
  stop(): Promise<void>;
}

const CLI = fileURLToPath(new URL('../../packages/sandbox/src/cli.ts', import.meta.url));
// node with tsx as a loader (not the tsx wrapper): the child's pid is the sandbox's own, whose CPU
// time `cpuMs` reads.
const LOADER = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

function processCpuMs(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Starts `packages/sandbox/src/cli.ts` on an ephemeral port and waits for its JSON line. */
export async function startSandboxProcess(args: readonly string[] = []): Promise<SandboxProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', LOADER, '--conditions=@vkwire/source', CLI, '--port', '0', '--json', ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox process exited with ${code}`)));
  });
  const info = JSON.parse(first) as { url: string; apiUrl: string; groupId: number; token: string };
  return {
    ...info,
    cpuMs: () => processCpuMs(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** POSTs JSON to the sandbox control API. */
export async function control<T>(sandbox: { url: string }, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
