/**
 * An option passed to a vkwire constructor or function is invalid. Every package throws this one
 * class for bad configuration, so `error.code === 'invalid_option'` catches them all; `option`
 * names what was wrong and the message says what was expected and what was given (never a
 * token or a secret).
 *
 * @example
 * try { new GroupLongPoll({ api, wait: 120 }) }
 * catch (error) { if (error instanceof VkwireConfigError) console.error(error.option, error.message) }
 */
export class VkwireConfigError extends Error {
  override readonly name = 'VkwireConfigError';
  /** Machine-readable code, the same for every configuration error. */
  readonly code = 'invalid_option';
  /** The option that was wrong, e.g. `'wait'` or `'groups[0].groupId'`. */
  readonly option: string;

  /**
   * @param component who complains, e.g. `'GroupLongPoll'` (the message starts with it)
   * @param option the option's name
   * @param expected what was expected, e.g. `'a positive integer'`
   * @param received `{ got }`: the value received, described in the message (only its type when
   *   `secret` is set); leave it out when the value says nothing
   */
  constructor(
    component: string,
    option: string,
    expected: string,
    received?: { got: unknown; secret?: boolean },
  ) {
    super(
      `${component}: \`${option}\` must be ${expected}${received ? describeGot(received.got, received.secret ?? false) : ''}`,
    );
    this.option = option;
  }
}

function describeGot(got: unknown, secret: boolean): string {
  if (secret) return got === undefined ? ', got nothing' : `, got ${article(typeof got)} ${typeof got}`;
  if (got === undefined) return ', got nothing';
  if (typeof got === 'string') return `, got the string ${JSON.stringify(got.slice(0, 60))}`;
  if (typeof got === 'number' || typeof got === 'boolean' || typeof got === 'bigint')
    return `, got ${String(got)}`;
  if (got === null) return ', got null';
  if (Array.isArray(got)) return ', got an array';
  return `, got ${article(typeof got)} ${typeof got}`;
}

/** Turns anything thrown into an `Error` (strings and other values become its message). */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : String(value));
}

/**
 * An error's kind: its `name`, or its class's name when the class kept the name `Error` (node-redis's
 * command timeout is a `TimeoutError` named `Error`).
 */
export function errorName(error: Error): string {
  if (error.name !== 'Error') return error.name;
  const className = error.constructor?.name;
  return typeof className === 'string' && className !== '' ? className : error.name;
}

/**
 * A one-line description of anything thrown, `Name: message`, for logs (`(no message)` for an
 * error without one, the name from {@link errorName}).
 */
export function errorText(value: unknown): string {
  return value instanceof Error ? `${errorName(value)}: ${value.message || '(no message)'}` : String(value);
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
