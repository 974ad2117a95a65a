/** What was wrong with a command's arguments (the `code` of an {@link ArgumentError}). */
export type ArgumentErrorCode =
  /** A required argument or an option's value is not there. */
  | 'missing'
  /** A value is not what the argument takes (`"abc" is not a number`). */
  | 'invalid'
  /** A number, duration or text length is outside the argument's `min`/`max`. */
  | 'out_of_range'
  /** Strict mode: text is left over after the last argument. */
  | 'extra_text'
  /** `--name` that the command does not have. */
  | 'unknown_flag'
  /** An option that takes one value was given twice. */
  | 'repeated_option'
  /** A user or community reference that nobody on VK has. */
  | 'not_found';

/** What {@link ArgumentError}'s constructor takes. */
export interface ArgumentErrorInit {
  code: ArgumentErrorCode;
  /** What the argument takes, in words a user reads (`'an integer'`, `'one of: asc, desc'`). */
  expected: string;
  /** The sentence without the argument's name; built from `code`, `value` and `expected` when left out. */
  reason?: string;
  /** The text the user gave, as typed. */
  value?: string;
  /** The argument's key in the spec. */
  argument?: string;
  /** How the argument is shown: `<count>` for a positional one, `--limit` for an option. */
  label?: string;
}

const MAX_SHOWN = 60;

/** A user's text quoted for a message, cut to a readable length. */
export function quoteValue(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : value);
}

function defaultReason(init: ArgumentErrorInit): string {
  const shown = init.value === undefined ? 'the value' : quoteValue(init.value);
  switch (init.code) {
    case 'missing':
      return `missing ${init.label ?? 'a value'}: expected ${init.expected}`;
    case 'out_of_range':
      return `${shown} is out of range: expected ${init.expected}`;
    case 'not_found':
      return `nobody on VK is called ${shown}`;
    case 'extra_text':
      return `unexpected text ${shown}`;
    case 'unknown_flag':
      return `unknown option ${init.value ?? ''}`.trimEnd();
    case 'repeated_option':
      return `${init.label ?? 'the option'} is given more than once`;
    default:
      return `${shown} is not ${init.expected}`;
  }
}

/**
 * A command's arguments do not fit its spec. The message is a sentence the user can act on,
 * ending with the argument it is about (`"abc" is not a number (argument <count>)`); `reason` is
 * the same without that ending, for a reply built around it.
 *
 * Custom converters throw it to reject a value with their own words; the parser fills in the
 * argument.
 *
 * @example
 * arg.custom('a hex color', (token) => {
 *   if (!/^#[\da-f]{6}$/i.test(token)) throw new ArgumentError({ code: 'invalid', value: token, expected: 'a color like #ff8800' });
 *   return token.toLowerCase();
 * });
 */
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
  /** Machine-readable kind of the problem. */
  readonly code: ArgumentErrorCode;
  /** The argument's key in the spec, when the problem is about one argument. */
  readonly argument: string | undefined;
  /** How the argument is shown in usage (`<count>`, `--limit`). */
  readonly label: string | undefined;
  /** The text the user gave, when there was one. */
  readonly value: string | undefined;
  /** What the argument takes, in words (`'an integer from 1 to 10'`). */
  readonly expected: string;
  /** The message without the argument's name at the end. */
  readonly reason: string;

  constructor(init: ArgumentErrorInit) {
    const reason = init.reason ?? defaultReason(init);
    const about = init.label !== undefined && init.code !== 'missing' && init.code !== 'repeated_option';
    super(about ? `${reason} (argument ${init.label})` : reason);
    this.code = init.code;
    this.argument = init.argument;
    this.label = init.label;
    this.value = init.value;
    this.expected = init.expected;
    this.reason = reason;
  }

  /** The same error about a given argument (what the parser does with a converter's error). */
  about(argument: string, label: string): ArgumentError {
    if (this.argument !== undefined) return this;
    return new ArgumentError({
      code: this.code,
      expected: this.expected,
      reason: this.reason,
      argument,
      label,
      ...(this.value === undefined ? {} : { value: this.value }),
    });
  }
}
