import { tokenFingerprint } from '@vkwire/api-client';
import { errorName } from '@vkwire/core';

/** An error as the fetcher logs it: what it is, its code, its message; never a token. */
export interface LoggedError {
  /** The error's class name (`BusUnavailableError`, `TypeError`, …). */
  type: string;
  /** Its `code`, when it has one (`ECONNREFUSED`, a VK error code, `max_wait`, …). */
  code?: string | number;
  message: string;
  /** The error it wraps, logged the same way (a few levels at most). */
  cause?: LoggedError | string;
}

/** Causes logged below an error, at most. */
const MAX_CAUSES = 3;

/** A token in a URL's query (`access_token=…`), whatever token it is. */
const TOKEN_PARAMETER = /(access_token=)[^&\s"']+/g;

/**
 * Replaces the tokens in `text` by their fingerprints (`[token 3f2a…]`) and hides any
 * `access_token=` value: error messages may quote a URL or a request.
 */
function redactor(tokens: readonly string[]): (text: string) => string {
  const known = tokens.filter((token) => token.length >= 8);
  return (text) => {
    let safe = text.replace(TOKEN_PARAMETER, '$1***');
    for (const token of known)
      if (safe.includes(token)) safe = safe.replaceAll(token, `[token ${tokenFingerprint(token)}]`);
    return safe;
  };
}

/**
 * pino serializers for the `err` and `error` fields of log lines: an Error becomes
 * {@link LoggedError} (pino would print an Error under `error` as `{}`), a string is kept, both
 * with `tokens` redacted. Anything else passes as it is.
 *
 * @example
 * const logger = pino({ serializers: errorSerializers(config.tokens) });
 * logger.warn({ err: error }, 'fetcher: cannot renew the lease');
 */
export function errorSerializers(tokens: readonly string[]): {
  err: (value: unknown) => unknown;
  error: (value: unknown) => unknown;
} {
  const redact = redactor(tokens);
  const serialize = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return redact(value);
    if (!(value instanceof Error)) return value;
    const logged: LoggedError = { type: errorName(value), message: redact(value.message) || '(no message)' };
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') logged.code = code;
    if (value.cause !== undefined && depth < MAX_CAUSES) {
      const cause = serialize(value.cause, depth + 1);
      if (cause instanceof Object || typeof cause === 'string') logged.cause = cause as LoggedError | string;
    }
    return logged;
  };
  const serializer = (value: unknown) => serialize(value, 0);
  return { err: serializer, error: serializer };
}
