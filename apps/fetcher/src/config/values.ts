import { isIP } from 'node:net';
import type { LevelWithSilent } from 'pino';
import { z } from 'zod';

/**
 * Schemas for one environment variable's text: each turns the (trimmed) string into a typed value
 * or adds one issue whose message finishes the sentence "<VARIABLE> …" ("must be …"). The value
 * itself is appended by `parseConfig` for variables that are not secret, never here.
 */

/** A zod schema from a variable's text to its typed value. */
export type ValueSchema<T> = z.ZodType<T, string>;

type Parse<T> = (text: string) => { value: T } | { problem: string };

/** Wraps a plain parse function as a zod schema, one issue per problem. */
function fromParse<T>(parse: Parse<T>): ValueSchema<T> {
  return z.string().transform((text, ctx) => {
    const result = parse(text);
    if ('value' in result) return result.value;
    ctx.addIssue({ code: 'custom', message: result.problem });
    return z.NEVER;
  });
}

/** The largest delay `setTimeout` honours (about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A whole number in `[min, max]`, written in plain digits (`25`, not `25s`, `2.5e1` or `0x19`).
 * @param unit what the number counts, shown in the message, e.g. `'seconds VK holds a poll'`
 */
export function integer(min: number, max: number = MAX_TIMER_MS, unit?: string): ValueSchema<number> {
  const range = max === MAX_TIMER_MS ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  const expected = `must be ${range}${unit ? ` (${unit})` : ''}`;
  return fromParse<number>((text) => {
    if (!/^\d+$/.test(text)) return { problem: expected };
    const value = Number(text);
    return value >= min && value <= max ? { value } : { problem: expected };
  });
}

/**
 * A comma-separated list of access tokens, at least one. The tokens are never put in a message:
 * problems name the entry by its position.
 */
export const tokenList: ValueSchema<readonly string[]> = fromParse<readonly string[]>((text) => {
  const entries = text.split(',').map((entry) => entry.trim());
  const count = entries.length;
  const where = (index: number) => (count === 1 ? 'the token' : `entry ${index + 1} of ${count}`);
  for (const [index, entry] of entries.entries()) {
    if (entry === '') return { problem: `${where(index)} is empty (tokens are separated by single commas)` };
    if (/[\s\p{Cc}]/u.test(entry))
      return { problem: `${where(index)} contains whitespace or a control character` };
    const first = entries.indexOf(entry);
    if (first !== index) return { problem: `entries ${first + 1} and ${index + 1} are the same token` };
  }
  return { value: entries };
});

/** A community id: a positive integer, written without the minus VK puts before owner ids. */
export const groupId: ValueSchema<number> = fromParse<number>((text) => {
  const expected = 'must be a positive integer (the community id, without a minus)';
  if (!/^\d+$/.test(text)) return { problem: expected };
  const value = Number(text);
  return value > 0 && Number.isSafeInteger(value) ? { value } : { problem: expected };
});

/**
 * A URL of one of `protocols`. Only the scheme of a bad URL is ever quoted, since the rest may
 * hold a password.
 * @param normalize rewrites the parsed URL into the value kept, or says what is wrong with it
 */
export function url(
  protocols: readonly string[],
  normalize: (url: URL) => { value: string } | { problem: string },
): ValueSchema<string> {
  const expected = `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`;
  return fromParse<string>((text) => {
    if (!URL.canParse(text)) return { problem: `${expected} (it is not a valid URL)` };
    const parsed = new URL(text);
    if (!protocols.includes(parsed.protocol))
      return { problem: `${expected} (it starts with ${JSON.stringify(`${parsed.protocol}//`)})` };
    if (parsed.hostname === '') return { problem: `${expected} and a host` };
    return normalize(parsed);
  });
}

/** A Redis bus stream name: no braces (they would break the partitions' Cluster hash tags), no spaces. */
export const streamName: ValueSchema<string> = fromParse<string>((text) =>
  /^[^\s{}]+$/.test(text)
    ? { value: text }
    : { problem: 'must be a stream name without spaces, { or } (partition n is the stream {<name>:<n>})' },
);

/**
 * A comma-separated list of command prefixes. Empty entries are dropped, so an empty value means no
 * commands; a prefix cannot hold whitespace (it would never match the start of a command).
 */
export const prefixList: ValueSchema<readonly string[]> = fromParse<readonly string[]>((text) => {
  const prefixes = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const spaced = prefixes.findIndex((prefix) => /\s/.test(prefix));
  if (spaced !== -1) return { problem: `prefix ${spaced + 1} contains whitespace` };
  return { value: [...new Set(prefixes)] };
});

/** pino's level names, in order of severity, with `silent`. */
export const LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
] as const satisfies readonly LevelWithSilent[];

/** A pino level name, or `silent`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A log level, in any letter case. */
export const logLevel: ValueSchema<LogLevel> = fromParse<LogLevel>((text) => {
  const level = LOG_LEVELS.find((name) => name === text.toLowerCase());
  return level ? { value: level } : { problem: `must be one of ${LOG_LEVELS.join(', ')}` };
});

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An address to listen on: an IPv4 or IPv6 address (brackets allowed) or a host name, no port. */
export const listenHost: ValueSchema<string> = fromParse<string>((text) => {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare) !== 0 || HOSTNAME.test(bare)) return { value: bare };
  return { problem: 'must be an IP address or a host name, without a port or a scheme (e.g. 0.0.0.0)' };
});
