/**
 * One entry of a conversation's log: an update a wait consumed (`u`), a wait that expired (`t`:
 * the update that found it expired, its deadline and timeout), a value `conv.external` returned
 * (`x`), or an error it threw (`e`).
 */
export type LogStep =
  | { readonly k: 'u'; readonly u: unknown }
  | { readonly k: 't'; readonly u: unknown; readonly d: number; readonly ms: number }
  | { readonly k: 'x'; readonly v?: unknown }
  | { readonly k: 'e'; readonly name: string; readonly message: string };

/** A running conversation as it is kept in storage (JSON). */
export interface StoredConversation {
  /** Format version. */
  readonly v: 1;
  /** The run's id, made when it was entered. */
  readonly id: string;
  /** The name it was defined under. */
  readonly name: string;
  /** The arguments `enter` was given. */
  readonly args?: unknown;
  /** The update that entered it (the function's `ctx`). */
  readonly enter: unknown;
  /** Everything it consumed and every external result, in order. */
  readonly log: readonly LogStep[];
  /**
   * The deadline of the wait it is paused at, when that wait has a `timeout`: `at` is the log's
   * length when it paused (the wait's place), `deadline` ms since the epoch, `ms` the timeout.
   */
  readonly wait?: PendingWait;
}

/** A paused wait's deadline, kept with the conversation so that it survives a restart. */
export interface PendingWait {
  readonly at: number;
  readonly deadline: number;
  readonly ms: number;
}

/** Whether a stored value is a conversation record this code can replay. */
export function isStoredConversation(value: unknown): value is StoredConversation {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<StoredConversation>;
  return (
    record.v === 1 &&
    typeof record.id === 'string' &&
    typeof record.name === 'string' &&
    Array.isArray(record.log) &&
    typeof record.enter === 'object' &&
    record.enter !== null
  );
}
