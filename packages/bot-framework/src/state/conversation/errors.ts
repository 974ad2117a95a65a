/** Why a conversation could not go on. */
export type ConversationErrorCode =
  | 'no_state_key'
  | 'unknown_conversation'
  | 'already_active'
  | 'replay_mismatch'
  | 'conflict'
  | 'not_serializable';

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
  override readonly name = 'ConversationError';

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

/** An error replayed from the log: what `conv.external` threw the first time, as name and message. */
export class ReplayedError extends Error {
  /**
   * @param name the original error's name
   * @param message the original error's message
   */
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
