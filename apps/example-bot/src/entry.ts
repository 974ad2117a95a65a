// What the entry points (main.ts, pipeline.ts, worker.ts) share: the one-line failures.
import { loadSettings, type Settings, SettingsError } from './settings.js';

/** Writes `example-bot: <line>` to stderr and exits with `code`. */
export function fail(line: string, code = 1): never {
  process.stderr.write(`example-bot: ${line}\n`);
  process.exit(code);
}

/** The one line for a server that could not listen on `port`, or undefined for other errors. */
export function listenProblem(error: unknown, port: number): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use; set PORT to another one (PORT=0: any free port)`;
  if (code === 'EACCES')
    return `not allowed to listen on port ${port} (ports below 1024 need privileges); set PORT`;
  return undefined;
}

/** The settings from the environment; a bad one is one line naming it and exit code 2. */
export function loadSettingsOrExit(): Settings {
  try {
    return loadSettings();
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message, 2);
    throw error;
  }
}
