import { tokenFingerprint } from '@vkwire/api-client';
import {
  groupId,
  integer,
  listenHost,
  logLevel,
  prefixList,
  streamName,
  tokenList,
  url,
  type ValueSchema,
} from './values.js';

/** One environment variable of the fetcher. */
export interface ConfigVariable<T> {
  /** The variable's name, e.g. `VK_TOKEN`. */
  readonly name: string;
  /** Another name accepted for it (the original spec's), e.g. `TOKEN`. */
  readonly alias?: string;
  /** The value used when it is unset or empty, as it would be written in the environment. */
  readonly default?: string;
  /** Start fails without it. */
  readonly required?: boolean;
  /** Its value is never quoted in a problem, nor logged as it is (see `summary`). */
  readonly secret?: boolean;
  /** An empty value is a value (e.g. no prefixes), not "unset". */
  readonly emptyIsValue?: boolean;
  /** One line for `--help` and the README. */
  readonly description: string;
  /** From the variable's text to the value `parseConfig` returns. */
  readonly schema: ValueSchema<T>;
  /** What the config summary shows instead of the value (required for secrets). */
  readonly summary?: (value: T) => unknown;
}

/** Declares a variable; `summary` is typed by the schema's output. */
function variable<T, const V extends ConfigVariable<T>>(definition: V & ConfigVariable<T>): V {
  return definition;
}

/** A URL with its password (if any) replaced by `***`: safe to log. */
export function redactUrl(value: string): string {
  const parsed = new URL(value);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/**
 * Every environment variable the fetcher reads, keyed by the name of its value in
 * `FetcherConfig`. The one list: the zod schema, the defaults, `--help`, the README table and the
 * config summary are all made from it.
 */
export const FETCHER_VARIABLES = {
  tokens: variable({
    name: 'VK_TOKEN',
    alias: 'TOKEN',
    required: true,
    secret: true,
    description:
      'Community access token; a comma-separated list serves several communities, each detected from its token.',
    schema: tokenList,
    summary: (tokens: readonly string[]) => ({
      count: tokens.length,
      fingerprints: tokens.map(tokenFingerprint),
    }),
  }),
  groupId: variable({
    name: 'VK_GROUP_ID',
    alias: 'GROUPID',
    description: "The community's id; detected from the token when unset. Only with a single token.",
    schema: groupId,
  }),
  redisUrl: variable({
    name: 'REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    secret: true,
    description: 'Redis for the bus, checkpoints and leases: redis:// or rediss:// (TLS).',
    schema: url(['redis:', 'rediss:'], (parsed) => ({ value: parsed.toString() })),
    summary: redactUrl,
  }),
  vkApiUrl: variable({
    name: 'VK_API_URL',
    default: 'https://api.vk.com',
    // not a secret, but a mistyped one may carry a password: never quoted, logged redacted
    secret: true,
    description:
      "VK API's address, http(s); /method is added when missing. A sandbox's URL runs the fetcher offline.",
    schema: url(['https:', 'http:'], (parsed) => {
      // fetch refuses URLs with credentials, and a query would be lost under /method/<name>
      if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '')
        return { problem: 'must be a URL without a user, password, query or #fragment' };
      const base = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
      return { value: base.endsWith('/method') ? base : `${base}/method` };
    }),
    summary: redactUrl,
  }),
  busStream: variable({
    name: 'BUS_STREAM',
    default: 'vkwire:events',
    description: 'Base name of the bus: partition n is the stream {BUS_STREAM:n}.',
    schema: streamName,
  }),
  busPartitions: variable({
    name: 'BUS_PARTITIONS',
    default: '16',
    description: "The bus's partition count, 1 to 1024; must match the count the bus was created with.",
    schema: integer(1, 1024),
  }),
  busMaxLen: variable({
    name: 'BUS_MAXLEN',
    default: '100000',
    description:
      'Entries kept per partition, about (XADD MAXLEN ~): older ones are trimmed, read or not; 0 keeps all. Size it for the longest consumer outage.',
    schema: integer(0, undefined, 'entries; 0 keeps all'),
  }),
  busDedupeTtlMs: variable({
    name: 'BUS_DEDUPE_TTL_MS',
    default: '3600000',
    description:
      "Milliseconds an event's dedupe mark lives: a republish within it (a re-fetch after a crash or takeover, a retried write) adds nothing.",
    schema: integer(1000, undefined, 'milliseconds'),
  }),
  commandPrefixes: variable({
    name: 'COMMAND_PREFIXES',
    default: '/,!',
    emptyIsValue: true,
    description:
      'Comma-separated prefixes that make a message a command event; set it empty for no commands.',
    schema: prefixList,
  }),
  logLevel: variable({
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'trace, debug (one line per Long Poll answer), info, warn, error, fatal or silent.',
    schema: logLevel,
  }),
  httpHost: variable({
    name: 'HTTP_HOST',
    default: '127.0.0.1',
    description:
      'Address of /healthz, /readyz and /metrics; 0.0.0.0 to serve beyond this machine (containers).',
    schema: listenHost,
  }),
  httpPort: variable({
    name: 'HTTP_PORT',
    default: '9464',
    description: 'Port of /healthz, /readyz and /metrics; 0 takes any free port (logged at start).',
    schema: integer(0, 65535),
  }),
  lpWait: variable({
    name: 'LP_WAIT',
    default: '25',
    description: 'Seconds VK holds a Long Poll request open when there are no events, 1 to 90.',
    schema: integer(1, 90, 'seconds'),
  }),
  leaseMs: variable({
    name: 'LEASE_MS',
    default: '10000',
    description:
      "Milliseconds a community's poller lease lasts; a standby takes over within it when the poller dies.",
    schema: integer(1000, undefined, 'milliseconds'),
  }),
  resolveTimeoutMs: variable({
    name: 'RESOLVE_TIMEOUT_MS',
    default: '5000',
    description:
      'Milliseconds an event waits while failed name lookups are retried; then it goes out with null names.',
    schema: integer(0, undefined, 'milliseconds'),
  }),
} as const;

/** The key of a value in `FetcherConfig` (and of its variable in `FETCHER_VARIABLES`). */
export type ConfigKey = keyof typeof FETCHER_VARIABLES;

type ValueOf<V> = V extends { readonly schema: ValueSchema<infer T> }
  ? V extends { readonly required: true } | { readonly default: string }
    ? T
    : T | undefined
  : never;

/** The fetcher's configuration, as `parseConfig` returns it. */
export type FetcherConfig = { readonly [K in ConfigKey]: ValueOf<(typeof FETCHER_VARIABLES)[K]> };

/** A variable with the key of its value: what `helpText`, the README table and the parser walk over. */
export type ConfigVariableEntry = ConfigVariable<unknown> & { readonly key: ConfigKey };

/** `FETCHER_VARIABLES` as a list, in the order of the table. */
export const CONFIG_VARIABLES: readonly ConfigVariableEntry[] = Object.entries(FETCHER_VARIABLES).map(
  ([key, definition]) => ({ ...(definition as ConfigVariable<unknown>), key: key as ConfigKey }),
);
