/**
 * A pino-compatible logger: an object of fields first, then a message. pino, bunyan-style
 * loggers and `console`-backed adapters fit it.
 *
 * @example
 * import pino from 'pino';
 * const poll = new GroupLongPoll({ api, logger: pino() });
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

const noop = (): void => {};

/** A logger that says nothing. Pass it explicitly to silence a component. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** Options of {@link createStderrLogger}. */
export interface StderrLoggerOptions {
  /** Prefix of every line. @default 'vkwire' */
  name?: string;
  /**
   * A message (its text, the kind of thing that happened) is printed at most once per this many
   * milliseconds; the repeats in between are counted and the count printed with the next one.
   * @default 30000
   */
  intervalMs?: number;
  /** Where lines go. @default process.stderr (console.error where there is no process) */
  write?: (line: string) => void;
  /** Also print `info` (debug is never printed). @default false */
  info?: boolean;
}

/** Most distinct messages whose repeats are counted; past it the oldest are forgotten. */
const MAX_KINDS = 500;

/**
 * A logger for when none was configured: warnings and errors go to stderr as one line each, and
 * each kind of message is rate-limited, so an endless retry or a flood of bad updates prints a
 * line every `intervalMs` with a count instead of filling the terminal. Debug (and by default
 * info) lines are dropped. Every vkwire component uses the shared {@link defaultLogger} when it
 * is given neither a `logger` nor (for errors) an `onError`.
 *
 * @example
 * const logger = createStderrLogger({ name: 'my-bot', intervalMs: 5000 });
 */
export function createStderrLogger(options: StderrLoggerOptions = {}): Logger {
  const name = options.name ?? 'vkwire';
  const intervalMs = options.intervalMs ?? 30_000;
  const write = options.write ?? writeStderr;
  const kinds = new Map<string, { lastAt: number; suppressed: number }>();
  const print = (
    level: 'info' | 'warn' | 'error',
    fields: Record<string, unknown>,
    message?: string,
  ): void => {
    const text = message ?? (typeof fields.msg === 'string' ? fields.msg : 'log');
    const kind = `${level}\u0000${text}`;
    const now = Date.now();
    const seen = kinds.get(kind);
    if (seen && now - seen.lastAt < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    kinds.delete(kind);
    kinds.set(kind, { lastAt: now, suppressed: 0 });
    if (kinds.size > MAX_KINDS) kinds.delete(kinds.keys().next().value as string);
    const details = formatFields(fields);
    const repeats =
      suppressed > 0
        ? ` (and ${suppressed} more like it in the last ${Math.round((now - (seen?.lastAt ?? now)) / 1000)} s)`
        : '';
    write(`[${name}] ${level}: ${text}${details}${repeats}`);
  };
  return {
    debug: noop,
    info: options.info ? (fields, message) => print('info', fields, message) : noop,
    warn: (fields, message) => print('warn', fields, message),
    error: (fields, message) => print('error', fields, message),
  };
}

/**
 * The logger every vkwire component falls back to: {@link createStderrLogger} with its defaults,
 * one per process, so repeats are counted across components.
 */
export const defaultLogger: Logger = createStderrLogger();

function writeStderr(line: string): void {
  const stderr = (globalThis as { process?: { stderr?: { write?: (text: string) => unknown } } }).process
    ?.stderr;
  if (typeof stderr?.write === 'function') stderr.write(`${line}\n`);
  else console.error(line);
}

function formatFields(fields: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'msg' || value === undefined) continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  return parts.length === 0 ? '' : ` ${parts.join(' ')}`;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string')
    return /^[\w.:/@-]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
