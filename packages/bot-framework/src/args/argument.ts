import type { VkApi } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import type { VkMessage } from '@vkwire/events-schema';

/**
 * What arguments are parsed against besides the text: the API that resolves users, the message
 * whose attachments, reply and forwards some arguments read.
 */
export interface ArgsEnv {
  /** Resolves `@screen_name`, links and ids into users (`utils.resolveScreenName`, `users.get`). */
  api?: VkApi;
  /** The command's message: `attachments` for `arg.attachment()`, `reply_message` / `fwd_messages` for `arg.user()`. */
  message?: VkMessage;
  /** The peer the command came from. */
  peerId?: number;
  /** The community that received the command. */
  groupId?: number;
  /** Aborts API calls made while resolving. */
  signal?: AbortSignal;
}

/** What a converter gets besides the word. */
export interface ConvertContext {
  /** The parse's environment (API, message). */
  readonly env: ArgsEnv;
  /** The argument's key in the spec. */
  readonly argument: string;
  /** Whether the user wrote the word in quotes. */
  readonly quoted: boolean;
}

/**
 * Turns one word (or the rest of the text) into a value: `undefined` means "not this kind of
 * value" (an `invalid` error naming what the argument takes, or the word is left for the next
 * argument when this one is optional); throw {@link ArgumentError} to say more.
 */
export type Converter<Value> = (
  token: string,
  context: ConvertContext,
) => Value | undefined | Promise<Value | undefined>;

/** Every kind of argument `arg` builds. */
export type ArgKind =
  | 'integer'
  | 'number'
  | 'word'
  | 'string'
  | 'text'
  | 'enum'
  | 'literal'
  | 'boolean'
  | 'duration'
  | 'user'
  | 'chat'
  | 'attachment'
  | 'zod'
  | 'custom'
  | 'flag';

/** Whether an argument must be given: `'optional'` gives `undefined` when absent, `'default'` its default. */
export type ArgPresence = 'required' | 'optional' | 'default';

/** How `min`/`max` measure a value (numbers themselves, durations in ms, text in characters). */
export interface ArgMeasure {
  /** The measured quantity of a value. */
  of(value: unknown): number;
  /** A limit as a user reads it (`'1h30m'` for a duration). */
  show(limit: number): string;
  /** `' characters'` for lengths, `''` for quantities. */
  unit: string;
}

/** Where an argument's value comes from. */
export type ArgSource =
  /** One word (or quoted group) of the text. */
  | 'token'
  /** Everything left of the text, verbatim. */
  | 'rest'
  /** The message's attachments. */
  | 'attachment'
  /** Whether `--name` is present. */
  | 'flag';

/**
 * Everything an argument is, as data: what the builder methods set. `usage`, `describeArgs` and
 * `parseArgs` read it; nothing else should need to.
 */
export interface ArgDefinition {
  readonly kind: ArgKind;
  /** How usage shows the value of an option: `integer` in `--limit <integer>`. */
  readonly typeName: string;
  /** What it takes, in words: `'an integer'`. */
  readonly expected: string;
  readonly source: ArgSource;
  readonly convert: Converter<unknown>;
  /** For `min`/`max`; arguments without one have no ranges. */
  readonly measure?: ArgMeasure | undefined;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  /** `'greedy'`: one or more words; `'list'`: one word split by `separator`. */
  readonly multi: 'one' | 'greedy' | 'list';
  readonly separator?: string | undefined;
  readonly presence: ArgPresence;
  readonly defaultValue?: unknown;
  /** Taken from `--name value` instead of a position: `true` derives the name from the key. */
  readonly named?: string | true | undefined;
  readonly description?: string | undefined;
  /** The values an enum, literal or boolean accepts. */
  readonly choices?: readonly string[] | undefined;
  /** The value(s) when the text has none, before `missing` (the replied message's author for users). */
  readonly fallback?: ((context: ConvertContext) => Promise<unknown[]>) | undefined;
  /** For attachment arguments: the attachments the message offers, in order. */
  readonly pick?: ((env: ArgsEnv) => readonly unknown[]) | undefined;
}

const OPTION_NAME = /^[a-z][a-z\d]*(?:-[a-z\d]+)*$/i;

/**
 * One argument of a command, built by `arg` and refined by chaining. Each method returns a new
 * argument (the original is unchanged), and the type follows: `.optional()` adds `undefined`,
 * `.greedy()` makes an array, `.default(v)` removes `undefined` again.
 *
 * @typeParam Value the value of one word
 * @typeParam Multi `true` after `.greedy()` or `.list()`: the argument is `Value[]`
 * @typeParam Presence see {@link ArgPresence}
 *
 * @example
 * const spec = {
 *   count: arg.integer().min(1).max(100).default(10),
 *   tags: arg.word().greedy().optional(),
 *   reverse: arg.flag().describe('newest first'),
 * };
 */
export class Argument<Value, Multi extends boolean = false, Presence extends ArgPresence = 'required'> {
  /** Carries the type parameters for {@link InferArg}; never set at run time. */
  declare readonly types?: { value: Value; multi: Multi; presence: Presence };

  /** The argument as data (see {@link ArgDefinition}). */
  readonly definition: ArgDefinition;

  constructor(definition: ArgDefinition) {
    this.definition = definition;
  }

  #with<V, M extends boolean, P extends ArgPresence>(changes: Partial<ArgDefinition>): Argument<V, M, P> {
    return new Argument<V, M, P>({ ...this.definition, ...changes });
  }

  #fail(option: string, expected: string, got?: unknown): never {
    throw new VkwireConfigError(
      `arg.${this.definition.kind}()`,
      option,
      expected,
      got === undefined ? undefined : { got },
    );
  }

  #limit(option: 'min' | 'max', limit: number): void {
    if (this.definition.measure === undefined) {
      this.#fail(
        option,
        `used only on numbers, integers, durations and text (not on ${this.definition.kind})`,
      );
    }
    if (!Number.isFinite(limit)) this.#fail(option, 'a finite number', limit);
  }

  /**
   * The smallest value allowed: the number, a duration in milliseconds, or the length of text in
   * characters. Less is an `out_of_range` error naming the range.
   */
  min<V extends number | string>(
    this: Argument<V, Multi, Presence>,
    limit: number,
  ): Argument<V, Multi, Presence> {
    this.#limit('min', limit);
    const { max } = this.definition;
    if (max !== undefined && limit > max) this.#fail('min', `at most max (${max})`, limit);
    return this.#with({ min: limit });
  }

  /** The largest value allowed (see {@link Argument.min}). */
  max<V extends number | string>(
    this: Argument<V, Multi, Presence>,
    limit: number,
  ): Argument<V, Multi, Presence> {
    this.#limit('max', limit);
    const { min } = this.definition;
    if (min !== undefined && limit < min) this.#fail('max', `at least min (${min})`, limit);
    return this.#with({ max: limit });
  }

  /** May be left out: `undefined` then (an empty array for a greedy or list argument). */
  optional(): Argument<Value, Multi, 'optional'> {
    return this.#with({ presence: 'optional', defaultValue: undefined });
  }

  /** May be left out: `value` then. */
  default(value: Multi extends true ? readonly Value[] : Value): Argument<Value, Multi, 'default'> {
    return this.#with({ presence: 'default', defaultValue: value });
  }

  /**
   * Takes one or more words (zero or more with `.optional()`), as long as they fit; the first
   * word that does not is left for the next argument. A named greedy option may be repeated:
   * `--tag a --tag b`.
   */
  greedy(): Argument<Value, true, Presence> {
    const { source, multi } = this.definition;
    if (source !== 'token' && source !== 'attachment') {
      this.#fail(
        'greedy',
        `used on arguments that take words or attachments (not on ${this.definition.kind})`,
      );
    }
    if (multi === 'list') this.#fail('greedy', 'not combined with list()');
    return this.#with({ multi: 'greedy' });
  }

  /**
   * Takes one word and splits it by `separator`: `1,2,3` → `[1, 2, 3]`. With `','` a comma
   * is a separator, not a decimal mark.
   * @param separator @default ','
   */
  list(separator = ','): Argument<Value, true, Presence> {
    const { source, multi } = this.definition;
    if (source !== 'token')
      this.#fail('list', `used on arguments that take words (not on ${this.definition.kind})`);
    if (multi === 'greedy') this.#fail('list', 'not combined with greedy()');
    if (typeof separator !== 'string' || separator === '' || /\s/.test(separator)) {
      this.#fail('list', 'a separator that is not empty and has no spaces', separator);
    }
    return this.#with({ multi: 'list', separator });
  }

  /**
   * Taken from `--name value` (or `--name=value`), anywhere in the text, instead of a position.
   * @param name @default the key in kebab case (`dryRun` → `--dry-run`)
   */
  named(name?: string): Argument<Value, Multi, Presence> {
    if (this.definition.source === 'rest')
      this.#fail('named', 'used on word arguments: use arg.string().named()');
    if (this.definition.source === 'attachment') this.#fail('named', 'used on arguments taken from the text');
    if (name !== undefined && (typeof name !== 'string' || !OPTION_NAME.test(name))) {
      this.#fail('named', 'letters, digits and dashes, starting with a letter', name);
    }
    return this.#with({ named: name ?? true });
  }

  /** A line for help and `describeArgs`. */
  describe(text: string): Argument<Value, Multi, Presence> {
    if (typeof text !== 'string') this.#fail('describe', 'a string', text);
    return this.#with({ description: text });
  }
}

/** Any argument (what a spec holds). */
export type AnyArgument = Argument<unknown, boolean, ArgPresence>;

/**
 * A command's arguments: key → argument. Positional arguments are taken in key order; named ones
 * (`.named()`, `arg.flag()`) from anywhere in the text.
 */
export type ArgsSpec = { readonly [name: string]: AnyArgument };

/** The value type of one argument. */
export type InferArg<A> =
  A extends Argument<infer Value, infer Multi, infer Presence>
    ? Multi extends true
      ? Value[]
      : Presence extends 'optional'
        ? Value | undefined
        : Value
    : never;

/**
 * The parsed arguments of a spec (`ctx.args`).
 *
 * @example
 * type Args = InferArgs<{ numbers: Argument<number, true>; mode: Argument<'a' | 'b', false, 'optional'> }>;
 * // { numbers: number[]; mode: 'a' | 'b' | undefined }
 */
export type InferArgs<S extends ArgsSpec> = { -readonly [K in keyof S]: InferArg<S[K]> };

/** A new required, single-valued argument (what every `arg.*()` starts from). */
export function createArgument<Value>(
  definition: Omit<ArgDefinition, 'multi' | 'presence' | 'convert'> & {
    convert: Converter<Value>;
    presence?: ArgPresence;
  },
): Argument<Value> {
  return new Argument<Value>({ multi: 'one', presence: 'required', ...definition });
}
