/** A long poll answer that is not VK's JSON: a proxy's page, a truncated body, a 5xx. Retried. */
export class LongPollTransportError extends Error {
  override name = 'LongPollTransportError';
  /** Machine-readable code. */
  readonly code = 'long_poll_transport';
  /** HTTP status (0 when no answer came). */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/**
 * VK said something the poll cannot recover from alone. With `fatal` (User Long Poll's
 * `failed: 4`, a version the server refuses) the poll ends: `finished` resolves with
 * `{ reason: 'fatal', error }`. Otherwise (an unknown `failed` code) it is reported and the poll
 * reconnects.
 */
export class LongPollFailedError extends Error {
  override name = 'LongPollFailedError';
  /** Machine-readable code. */
  readonly code = 'long_poll_failed';
  /** VK's `failed` value. */
  readonly failed: number;
  /** The poll ended because of it. */
  readonly fatal: boolean;

  constructor(failed: number, detail: string, options: { fatal?: boolean } = {}) {
    super(`long poll answered failed: ${failed} — ${detail}`);
    this.failed = failed;
    this.fatal = options.fatal ?? false;
  }
}

/**
 * VK refused to give the poll a server, for a reason no retry fixes. `start()` rejects with it, or
 * (when it happens while running, e.g. a token revoked) the poll ends with it as its fatal error.
 * The `cause` is the API client's `VkApiError`.
 *
 * - `long_poll_auth`: the token is invalid, revoked or expired, or of the wrong kind (VK errors
 *   5, 27, 28, 1117).
 * - `long_poll_access_denied`: the token has no access to this community's Long Poll (VK error
 *   15): the group id is wrong, or the token belongs to another community.
 * - `long_poll_disabled`: Long Poll is switched off in the community's settings (VK error 100).
 */
export class LongPollRefusedError extends Error {
  override name = 'LongPollRefusedError';
  /** Why VK refused. */
  readonly code: 'long_poll_auth' | 'long_poll_access_denied' | 'long_poll_disabled';
  /** VK's error code. */
  readonly vkCode: number;

  constructor(
    code: LongPollRefusedError['code'],
    vkCode: number,
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.vkCode = vkCode;
  }
}

/** `start()` was called on a poll that runs, is starting, or was stopped. */
export class LongPollStateError extends Error {
  override name = 'LongPollStateError';
  /**
   * `long_poll_running`: it is already started (or starting); `long_poll_stopped`: it was stopped
   * (or its signal aborted, or it ended on a fatal error) — create a new client, and pass it the
   * checkpoint to continue.
   */
  readonly code: 'long_poll_running' | 'long_poll_stopped';

  constructor(code: LongPollStateError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * An update VK sent that could not be read (with `validate`, it did not match events-schema). It
 * is reported and skipped; `raw` is the value exactly as VK sent it, and `cause` the parse error.
 */
export class LongPollMalformedUpdateError extends Error {
  override name = 'LongPollMalformedUpdateError';
  /** Machine-readable code. */
  readonly code = 'long_poll_malformed_update';
  /** The update as VK sent it: not a parsed update, so typed as what it is. */
  readonly raw: unknown;

  constructor(raw: unknown, cause: Error) {
    super(`skipped a malformed update: ${cause.message}`, { cause });
    this.raw = raw;
  }
}

/** Whether an error ends the poll: VK refused it a server, or a `failed` no retry can fix. */
export function isFatal(error: unknown): boolean {
  return error instanceof LongPollRefusedError || (error instanceof LongPollFailedError && error.fatal);
}
