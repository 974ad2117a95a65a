/**
 * A middleware broke the chain's rules: it called `next()` twice.
 *
 * @example
 * bot.catch((error) => { if (error instanceof BotMiddlewareError) console.error(error.message); });
 */
export class BotMiddlewareError extends Error {
  override readonly name = 'BotMiddlewareError';
  /** Machine-readable code. */
  readonly code = 'next_called_twice';
}

/** Why a bot refused to start, stop or take a transport. */
export type BotStateErrorCode = 'bot_running' | 'bot_stopped' | 'bot_not_running' | 'no_community';

/**
 * A bot was used in a state that does not allow it: started twice, started after `stop()` (a
 * stopped bot is not restarted: create a new one), or a community-only feature without a community.
 */
export class BotStateError extends Error {
  override readonly name = 'BotStateError';

  /** @param code the machine-readable reason */
  constructor(
    readonly code: BotStateErrorCode,
    message: string,
  ) {
    super(message);
  }
}
