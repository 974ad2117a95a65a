/**
 * `ctx.waitFor` gave up: no matching update came within its `timeout`.
 *
 * @example
 * try { await ctx.waitFor('message', { timeout: 30_000 }); }
 * catch (error) { if (error instanceof WaitTimeoutError) await ctx.send('Too slow, start again.'); }
 */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  /** Machine-readable code. */
  readonly code = 'wait_timeout';

  /** @param timeoutMs how long the wait lasted */
  constructor(readonly timeoutMs: number) {
    super(`no matching update came within ${timeoutMs} ms`);
  }
}

/**
 * `ctx.waitFor` was called off: the bot stopped (or was stopped) before a matching update came, or
 * the context belongs to no running bot.
 */
export class WaitCancelledError extends Error {
  override readonly name = 'WaitCancelledError';
  /** Machine-readable code. */
  readonly code = 'wait_cancelled';
}
