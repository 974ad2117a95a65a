// The entry points as `pnpm start` and `pnpm start:pipeline` run them: child processes configured by
// the environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const PIPELINE = fileURLToPath(new URL('../src/pipeline.ts', import.meta.url));
const CWD = fileURLToPath(new URL('..', import.meta.url));

/** A running entry point (`src/main.ts`, `src/pipeline.ts`). */
export interface MainProcess {
  readonly child: ChildProcess;
  /** Lines written to stdout so far. */
  readonly lines: string[];
  /** Everything written to stderr. */
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern` (also one printed before the call). */
  printed(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
/** Children leading a process group of their own: the whole group is killed at the end. */
const groups = new Set<ChildProcess>();

afterEach(async () => {
  for (const child of groups) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
  groups.clear();
  const exits = [...running].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(exits);
});

/** Starts `src/main.ts` (see {@link spawnEntry}). */
export function spawnMain(env: Record<string, string>): MainProcess {
  return spawnEntry(MAIN, env);
}

/** Starts `src/pipeline.ts` (see {@link spawnEntry}); its children run the same way. */
export function spawnPipeline(env: Record<string, string>): MainProcess {
  return spawnEntry(PIPELINE, env);
}

/**
 * Starts `file` with node itself (tsx as an import hook, the workspace packages' sources by the
 * `@vkwire/source` condition), with `env` on top of a minimal environment.
 */
function spawnEntry(file: string, env: Record<string, string>): MainProcess {
  return watch(
    spawn(process.execPath, ['--import', 'tsx', '--conditions=@vkwire/source', file], {
      cwd: CWD,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * Runs `pnpm <script>` at the repository's root, as a newcomer types it, in a process group of
 * its own (`detached`), so that a test can send SIGINT to the group as a terminal's Ctrl+C does.
 */
export function spawnRootScript(script: string, env: Record<string, string>): MainProcess {
  const child = spawn('pnpm', ['--silent', script], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  groups.add(child);
  return watch(child);
}

/** Follows a child's output (kept for the test's end, when the child is killed if still running). */
function watch(child: ChildProcess): MainProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      const match = line.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const printed = (pattern: RegExp): Promise<RegExpMatchArray> => {
    for (const line of lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      waiters.push({ pattern, resolve });
      void exited.then(({ code }) =>
        reject(
          new Error(
            `exited (${code}) without printing ${pattern}; stdout: ${lines.join('\n')} stderr: ${stderr}`,
          ),
        ),
      );
    });
  };
  return { child, lines, stderr: () => stderr, printed, exited };
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
