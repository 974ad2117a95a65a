/** A long poll answer that is not VK's JSON: a proxy's page, a truncated body, a 5xx. Retried. */
export class LongPollTransportError extends Error {
  override name = 'LongPollTransportError';
  readonly code = 'LONG_POLL_TRANSPORT';
  /** HTTP status (0 when no answer came). */
  readonly status: number;

  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/**
 * VK said something the poll cannot recover from alone. With `fatal` (User Long Poll's
 * `failed: 4`, a version the server refuses) the poll stops: retrying cannot help. Otherwise (an
 * unknown `failed` code) it is reported and the poll reconnects.
 */
export class LongPollFailedError extends Error {
  override name = 'LongPollFailedError';
  readonly code = 'LONG_POLL_FAILED';
  /** VK's `failed` value. */
  readonly failed: number;
  /** The poll stopped because of it. */
  readonly fatal: boolean;

  constructor(failed: number, detail: string, options: { fatal?: boolean } = {}) {
    super(`long poll answered failed: ${failed} — ${detail}`);
    this.failed = failed;
    this.fatal = options.fatal ?? false;
  }
}
