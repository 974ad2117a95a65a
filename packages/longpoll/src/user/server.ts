import { asInt, isRecord, parseJson } from './values.js';

/** The `mode` bits of a User Long Poll request. */
export const USER_LONG_POLL_MODE = {
  /** 2: attachments and the `additional` object in message events. */
  attachments: 2,
  /** 8: the extended event set (and event 114 as one object). */
  extendedEvents: 8,
  /** 32: `pts` in every answer, for `messages.getLongPollHistory`. */
  pts: 32,
  /** 64: the platform in event 8's `extra`. */
  extraOnline: 64,
  /** 128: `random_id` as the last element of message events. */
  randomId: 128,
} as const;

/**
 * The default `mode`: 2 | 8 | 64 | 128 = 202. Attachments, `from` in chats and service actions
 * (2) are what make message events usable without an API call per message; the extended set (8)
 * loses nothing; the platform (64) costs nothing; `random_id` (128) lets a bot recognize its own
 * sends. `pts` (32) is left out: it only matters to a client that recovers gaps through
 * `messages.getLongPollHistory`, and such a client adds it.
 */
export const DEFAULT_USER_LONG_POLL_MODE = 202;

/** The User Long Poll `version` whose layout this package decodes (newer ones renumber events). */
export const USER_LONG_POLL_VERSION = 3;

/** An `a_check` answer, parsed. */
export type UserLongPollAnswer =
  | {
      kind: 'updates';
      /** The ts to continue from. */
      ts: number;
      /** The updates as VK sent them: pass each to `decodeUserUpdate`. */
      updates: unknown[];
      /** `pts` (mode 32). */
      pts?: number;
      /** Other fields of the answer, as VK sent them. */
      extra: Record<string, unknown>;
    }
  | {
      kind: 'failed';
      /** `failed`: 1 continue from `ts`; 2 new key, keep ts; 3 new key and ts; 4 bad `version`. */
      code: number;
      /** The ts to continue from (failed 1). */
      ts?: number;
      /** `min_version` (failed 4). */
      minVersion?: number;
      /** `max_version` (failed 4). */
      maxVersion?: number;
      /** Other fields of the answer (an `error` string, say), as VK sent them. */
      extra: Record<string, unknown>;
    }
  | {
      kind: 'invalid';
      /** Why the answer could not be read. */
      reason: string;
      /** The answer as received. */
      body: unknown;
    };

/**
 * Reads an `a_check` answer (a JSON string or the parsed value): updates with `ts` (and `pts`),
 * a `failed` answer, or `invalid` with the reason. Extra fields are kept in `extra`; a numeric
 * string where VK sends a number is accepted.
 *
 * @example
 * const answer = parseUserLongPollAnswer(await response.text());
 * if (answer.kind === 'updates') for (const update of answer.updates) decodeUserUpdate(update);
 */
export function parseUserLongPollAnswer(body: unknown): UserLongPollAnswer {
  let value = body;
  if (typeof body === 'string') {
    const parsed = parseJson(body);
    if (!parsed) return { kind: 'invalid', reason: 'the answer is not JSON', body };
    value = parsed.value;
  }
  if (!isRecord(value)) return { kind: 'invalid', reason: 'the answer is not a JSON object', body };
  if (value.failed !== undefined) {
    const { failed, ts, min_version: minVersion, max_version: maxVersion, ...extra } = value;
    const code = asInt(failed);
    if (code === undefined) return { kind: 'invalid', reason: '`failed` is not a number', body };
    const answer: UserLongPollAnswer = { kind: 'failed', code, extra };
    const fields = { ts: asInt(ts), minVersion: asInt(minVersion), maxVersion: asInt(maxVersion) };
    if (fields.ts !== undefined) answer.ts = fields.ts;
    if (fields.minVersion !== undefined) answer.minVersion = fields.minVersion;
    if (fields.maxVersion !== undefined) answer.maxVersion = fields.maxVersion;
    return answer;
  }
  const { ts, updates, pts, ...extra } = value;
  const next = asInt(ts);
  if (next === undefined) return { kind: 'invalid', reason: 'the answer has no integer `ts`', body };
  if (!Array.isArray(updates)) return { kind: 'invalid', reason: 'the answer has no `updates` array', body };
  const answer: UserLongPollAnswer = { kind: 'updates', ts: next, updates, extra };
  const ptsValue = asInt(pts);
  if (ptsValue !== undefined) answer.pts = ptsValue;
  else if (pts !== undefined) extra.pts = pts;
  return answer;
}

/** Options of `longPollServerUrl`. */
export interface LongPollServerUrlOptions {
  /**
   * The scheme to put in front of a `server` that has none (VK's never does).
   * @default 'https'
   */
  scheme?: 'https' | 'http';
}

const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The URL of a User Long Poll server: `messages.getLongPollServer` gives `server` without a
 * scheme (`im.vk.com/nim123`), so `https://` is put in front; a scheme already there is kept.
 *
 * @example
 * longPollServerUrl('im.vk.com/nim193847562'); // 'https://im.vk.com/nim193847562'
 * longPollServerUrl('127.0.0.1:8080/im/1', { scheme: 'http' }); // 'http://127.0.0.1:8080/im/1'
 */
export function longPollServerUrl(server: string, options: LongPollServerUrlOptions = {}): string {
  const trimmed = server.trim();
  return HAS_SCHEME.test(trimmed) ? trimmed : `${options.scheme ?? 'https'}://${trimmed}`;
}

/** What an `a_check` request carries. */
export interface UserLongPollCheck extends LongPollServerUrlOptions {
  key: string;
  ts: number | string;
  /** Seconds the server may hold the request (VK allows up to 90). @default 25 */
  wait?: number;
  /** @default DEFAULT_USER_LONG_POLL_MODE (202) */
  mode?: number;
  /** @default USER_LONG_POLL_VERSION (3) */
  version?: number;
}

/**
 * The `a_check` request URL for a server from `messages.getLongPollServer`.
 *
 * @example
 * fetch(userLongPollCheckUrl(server, { key, ts })); // ...?act=a_check&key=…&ts=…&wait=25&mode=202&version=3
 */
export function userLongPollCheckUrl(server: string, check: UserLongPollCheck): string {
  const url = new URL(longPollServerUrl(server, check.scheme === undefined ? {} : { scheme: check.scheme }));
  url.searchParams.set('act', 'a_check');
  url.searchParams.set('key', check.key);
  url.searchParams.set('ts', String(check.ts));
  url.searchParams.set('wait', String(check.wait ?? 25));
  url.searchParams.set('mode', String(check.mode ?? DEFAULT_USER_LONG_POLL_MODE));
  url.searchParams.set('version', String(check.version ?? USER_LONG_POLL_VERSION));
  return url.toString();
}
