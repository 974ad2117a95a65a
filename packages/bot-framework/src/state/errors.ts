/** Why bot state could not be used. */
export type StateErrorCode = 'no_state_key' | 'lock_timeout' | 'conflict' | 'no_fsm_state' | 'bad_transition';

/**
 * Bot state (a session, an FSM) could not be read or written: the update has no user or chat to
 * key it by, another worker held its key too long, another worker wrote it meanwhile, or an FSM
 * transition was not declared.
 *
 * @example
 * bot.catch((error) => { if (error instanceof StateError && error.code === 'conflict') console.warn(error.message); });
 */
export class StateError extends Error {
  override readonly name: string = 'StateError';

  /**
   * @param code the machine-readable reason
   * @param key the storage key concerned, when there is one
   */
  constructor(
    readonly code: StateErrorCode,
    message: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

/**
 * A session (or FSM state) changed in storage between this update's read and its write: another
 * worker wrote it without holding the lease. This update's changes are not written; the error
 * reaches the bot's error handlers after the handler ran.
 */
export class SessionConflictError extends StateError {
  override readonly name = 'SessionConflictError';

  /** @param key the storage key that changed meanwhile */
  constructor(key: string) {
    super(
      'conflict',
      `state "${key}" was written by another update meanwhile, so this update's changes were not saved (give session()/fsm() a shared \`lease\` when several workers serve one community)`,
      key,
    );
  }
}
