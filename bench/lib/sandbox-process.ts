import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A sandbox running in its own process, as the benchmarks need (the client must not share its event loop). */
export interface SandboxProcess {
  url: string;
  apiUrl: string;
  groupId: number;
  token: string;
  stop(): Promise<void>;
}

const CLI = fileURLToPath(new URL('../../packages/sandbox/src/cli.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

/** Starts `packages/sandbox/src/cli.ts` on an ephemeral port and waits for its JSON line. */
export async function startSandboxProcess(args: readonly string[] = []): Promise<SandboxProcess> {
  const child: ChildProcess = spawn(
    TSX,
    ['--conditions=@vkwire/source', CLI, '--port', '0', '--json', ...args],
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
