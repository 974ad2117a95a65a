/** Why a conversation could not go on. */
export type ConversationErrorCode =
  | 'no_state_key'
  | 'unknown_conversation'
  | 'already_active'
  | 'replay_mismatch'
  | 'conflict'
  | 'not_serializable'
  | 'wait_timeout';

/**
 * A durable conversation could not be entered or replayed: the update has no user or chat to key
 * it by, the name was never defined, one is already active, the function took another path on
 * replay than the stored log recorded (it is not deterministic), another worker wrote the same
 * conversation meanwhile, or a value to keep was not JSON.
 *
 * @example
 * bot.catch((error) => { if (error instanceof ConversationError) console.warn(error.code, error.message); });
 */
export class ConversationError extends Error {
  override readonly name: string = 'ConversationError';

  /**
   * @param code the machine-readable reason
   * @param message what happened and what to do about it
   * @param conversation the conversation's name, when there is one
   */
  constructor(
    readonly code: ConversationErrorCode,
    message: string,
    readonly conversation?: string,
  ) {
    super(message);
  }
}

/**
 * What `conv.external` throws when its function threw: the same on the first run and on every
 * replay (which has only the logged `name` and `message`), so code that catches it takes the same
 * path each time. `name` and `message` are the original's; the first run also keeps it as `cause`.
 *
 * @example
 * try { await conv.external(() => charge(card)); }
 * catch (error) { if (error instanceof ConversationExternalError && error.name === 'CardDeclined') await conv.reply('Declined.'); }
 */
export class ConversationExternalError extends Error {
  /**
   * @param name the original error's name
   * @param message the original error's message
   * @param cause the original error (on the first run only)
   */
  constructor(name: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name;
  }
}

/**
 * What `conv.waitFor(filter, { timeout })` throws when no update it takes came before its deadline.
 * The deadline is stored with the conversation, so it holds across restarts and workers; it is
 * checked when the user's next update arrives (that update is taken by the expiry, and no wait of
 * this run takes it). Catch it to go on (ask again, take a default); uncaught, the conversation ends
 * with the outcome `{ status: 'timeout' }`, which is not an error of the bot.
 *
 * @example
 * try { name = (await conv.waitFor('message', { timeout: 60_000 })).text; }
 * catch (error) { if (error instanceof ConversationTimeoutError) name = 'anonymous'; else throw error; }
 */
export class ConversationTimeoutError extends ConversationError {
  override readonly name = 'ConversationTimeoutError';

  /**
   * @param conversation the conversation's name
   * @param timeoutMs the wait's timeout
   * @param deadline when it expired (ms since the epoch)
   */
  constructor(
    conversation: string,
    readonly timeoutMs: number,
    readonly deadline: number,
  ) {
    super(
      'wait_timeout',
      `conversation "${conversation}" waited ${timeoutMs} ms for an answer and got none (expired at ${new Date(deadline).toISOString()})`,
      conversation,
    );
  }
}
