import type { ArgsEnv, ArgsSpec, ConvertContext, InferArgs } from './argument.js';
import { readBoolean } from './choices.js';
import { ArgumentError, quoteValue } from './errors.js';
import { type CompiledArg, type CompiledSpec, compileSpec } from './spec.js';
import { type ArgToken, tokenize } from './tokens.js';

/** Options of {@link parseArgs}. */
export interface ParseArgsOptions {
  /** Text left over after the last argument is an `extra_text` error (else it is ignored). @default false */
  strict?: boolean;
}

/** A word of the text that is not an option, with its place among all words (for verbatim rests). */
interface Word {
  token: ArgToken;
  index: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: ArgumentError };

// `--name`, `--name=value`; phones turn `--` into an em dash, so `—name` counts too.
const OPTION = /^(?:--|—)([^\s=]+)(?:=([\s\S]*))?$/;

class Parser {
  readonly #values = new Map<string, unknown>();
  readonly #words: Word[] = [];
  readonly #given = new Map<string, ArgToken[]>();

  constructor(
    readonly spec: CompiledSpec,
    readonly text: string,
    readonly env: ArgsEnv,
  ) {}

  #context(entry: CompiledArg, quoted: boolean): ConvertContext {
    return { env: this.env, argument: entry.key, quoted };
  }

  /** Sorts the words into options (`--name value`) and positional words. */
  split(): void {
    const tokens = tokenize(this.text);
    const hasNamed = this.spec.named.size > 0;
    let optionsEnded = !hasNamed;
    for (let index = 0; index < tokens.length; index += 1) {
      const token = tokens[index] as ArgToken;
      if (!optionsEnded && !token.quoted && token.value === '--') {
        optionsEnded = true;
        continue;
      }
      const match = optionsEnded || token.quoted ? null : OPTION.exec(token.value);
      if (match === null) {
        this.#words.push({ token, index });
        continue;
      }
      const name = (match[1] as string).toLowerCase();
      const inline = match[2];
      let entry = this.spec.named.get(name);
      let negated = false;
      if (entry === undefined && name.startsWith('no-')) {
        const flag = this.spec.named.get(name.slice(3));
        if (flag?.definition.source === 'flag') [entry, negated] = [flag, true];
      }
      if (entry === undefined) throw this.#unknownOption(token.value);
      if (entry.definition.source === 'flag') {
        this.#flag(entry, token, inline, negated);
        continue;
      }
      if (inline !== undefined) {
        this.#give(entry, { value: inline, start: token.start, end: token.end, quoted: false });
        continue;
      }
      const next = tokens[index + 1];
      if (next === undefined || this.#isOption(next)) {
        throw new ArgumentError({
          code: 'missing',
          expected: entry.definition.expected,
          argument: entry.key,
          label: entry.label,
          reason: `${entry.label} needs a value: ${entry.definition.expected}`,
        });
      }
      this.#give(entry, next);
      index += 1;
    }
  }

  #isOption(token: ArgToken): boolean {
    const name = token.quoted ? undefined : OPTION.exec(token.value)?.[1]?.toLowerCase();
    return name !== undefined && (this.spec.named.has(name) || this.spec.named.has(name.replace(/^no-/, '')));
  }

  #unknownOption(value: string): ArgumentError {
    const known = [...this.spec.named.keys()].map((name) => `--${name}`).join(', ');
    return new ArgumentError({
      code: 'unknown_flag',
      value,
      expected: `one of ${known}`,
      reason: `unknown option ${value.split('=')[0]}: this command has ${known} (write -- before text that starts with --)`,
    });
  }

  #flag(entry: CompiledArg, token: ArgToken, inline: string | undefined, negated: boolean): void {
    const value = inline === undefined ? !negated : negated ? undefined : readBoolean(inline);
    if (value === undefined) {
      throw new ArgumentError({
        code: 'invalid',
        value: token.value,
        expected: `${entry.label} alone, or ${entry.label}=yes / ${entry.label}=no`,
        argument: entry.key,
        label: entry.label,
        reason: `${quoteValue(token.value)} is not a way to set ${entry.label}: write ${entry.label}, --no-${entry.option}, or ${entry.label}=yes / no`,
      });
    }
    this.#give(entry, { ...token, value: value ? 'yes' : 'no' });
  }

  #give(entry: CompiledArg, token: ArgToken): void {
    const list = this.#given.get(entry.key);
    if (list) list.push(token);
    else this.#given.set(entry.key, [token]);
  }

  /** The positional words from `from` on, as the user typed them (spacing kept, options cut out). */
  rest(from: number): string {
    let text = '';
    for (let at = from; at < this.#words.length; at += 1) {
      const word = this.#words[at] as Word;
      const previous = this.#words[at - 1];
      if (at > from && previous !== undefined) {
        // Neighbours in the original text keep the spacing between them; an option cut out leaves one space.
        text +=
          word.index === previous.index + 1 ? this.text.slice(previous.token.end, word.token.start) : ' ';
      }
      text += this.text.slice(word.token.start, word.token.end);
    }
    return text;
  }

  async #convertOne(entry: CompiledArg, word: string, quoted: boolean): Promise<Outcome> {
    const { definition } = entry;
    let value: unknown;
    try {
      value = await definition.convert(word, this.#context(entry, quoted));
    } catch (error) {
      if (error instanceof ArgumentError) return { ok: false, error: error.about(entry.key, entry.label) };
      throw error;
    }
    if (value === undefined) {
      return {
        ok: false,
        error: new ArgumentError({
          code: 'invalid',
          value: word,
          expected: definition.expected,
          argument: entry.key,
          label: entry.label,
        }),
      };
    }
    const outside = this.#outOfRange(entry, value, word);
    return outside ? { ok: false, error: outside } : { ok: true, value };
  }

  #outOfRange(entry: CompiledArg, value: unknown, word: string): ArgumentError | undefined {
    const { measure, min, max } = entry.definition;
    if (measure === undefined || (min === undefined && max === undefined)) return undefined;
    const size = measure.of(value);
    const low = min !== undefined && size < min;
    if (!low && (max === undefined || size <= max)) return undefined;
    const range =
      min !== undefined && max !== undefined
        ? `from ${measure.show(min)} to ${measure.show(max)}`
        : min !== undefined
          ? `at least ${measure.show(min)}`
          : `at most ${measure.show(max as number)}`;
    const expected = `${range}${measure.unit}`;
    const reason =
      measure.unit === ''
        ? `${word} is out of range: must be ${expected}`
        : `${quoteValue(word)} is too ${low ? 'short' : 'long'}: must be ${expected}`;
    return new ArgumentError({
      code: 'out_of_range',
      value: word,
      expected,
      reason,
      argument: entry.key,
      label: entry.label,
    });
  }

  /** One word, or with `.list()` the items of one word. */
  async convert(entry: CompiledArg, token: ArgToken): Promise<Outcome> {
    const { multi, separator } = entry.definition;
    if (multi !== 'list') return this.#convertOne(entry, token.value, token.quoted);
    const items = token.value
      .split(separator as string)
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (items.length === 0) return this.#convertOne(entry, token.value, token.quoted);
    const values: unknown[] = [];
    for (const item of items) {
      const outcome = await this.#convertOne(entry, item, token.quoted);
      if (!outcome.ok) return outcome;
      values.push(outcome.value);
    }
    return { ok: true, value: values };
  }

  /** The argument's stand-in when the text has none (the replied message's author), or undefined. */
  async #fallback(entry: CompiledArg): Promise<unknown> {
    const { definition } = entry;
    if (definition.fallback === undefined) return undefined;
    const found = await definition.fallback(this.#context(entry, false));
    if (found.length === 0) return undefined;
    return definition.multi === 'one' ? found[0] : found;
  }

  /**
   * After a word the argument could not take, with no argument after it: the stand-in if there is
   * one (the word is then left over), else the word's error.
   */
  async #lastChance(entry: CompiledArg, failure: ArgumentError): Promise<unknown> {
    const fallback = await this.#fallback(entry);
    if (fallback === undefined) throw failure;
    return fallback;
  }

  /** The value of an argument the text does not give: the fallback, `undefined` / `[]`, the default, or an error. */
  async absent(entry: CompiledArg, failure?: ArgumentError): Promise<unknown> {
    const { definition } = entry;
    const many = definition.multi !== 'one';
    const fallback = await this.#fallback(entry);
    if (fallback !== undefined) return fallback;
    if (definition.presence === 'optional') return many ? [] : undefined;
    if (definition.presence === 'default') {
      return Array.isArray(definition.defaultValue) ? [...definition.defaultValue] : definition.defaultValue;
    }
    throw (
      failure ??
      new ArgumentError({
        code: 'missing',
        expected: definition.expected,
        argument: entry.key,
        label: entry.label,
      })
    );
  }

  /** Fills the positional arguments; returns where the unused words start. */
  async positional(): Promise<number> {
    const words = this.#words;
    const { positional } = this.spec;
    let at = 0;
    for (const [place, entry] of positional.entries()) {
      // A word an optional argument cannot take goes on to a later argument; with none left, it is an error.
      const canPass = place < positional.length - 1;
      const { definition } = entry;
      const word = words[at];
      if (definition.source === 'rest') {
        if (word === undefined) {
          this.#values.set(entry.key, await this.absent(entry));
          continue;
        }
        const outcome = await this.#convertOne(entry, this.rest(at), false);
        if (!outcome.ok) throw outcome.error;
        this.#values.set(entry.key, outcome.value);
        at = words.length;
        continue;
      }
      if (definition.multi === 'greedy') {
        const collected: unknown[] = [];
        let failure: ArgumentError | undefined;
        for (let next = words[at]; next !== undefined; next = words[at]) {
          const outcome = await this.convert(entry, next.token);
          if (!outcome.ok) {
            failure = outcome.error;
            break;
          }
          collected.push(outcome.value);
          at += 1;
        }
        if (failure && failure.code !== 'invalid') throw failure;
        if (failure && !canPass && collected.length > 0) throw failure;
        if (collected.length > 0) this.#values.set(entry.key, collected);
        else if (failure && !canPass) this.#values.set(entry.key, await this.#lastChance(entry, failure));
        else this.#values.set(entry.key, await this.absent(entry, failure));
        continue;
      }
      if (word === undefined) {
        this.#values.set(entry.key, await this.absent(entry));
        continue;
      }
      const outcome = await this.convert(entry, word.token);
      if (outcome.ok) {
        this.#values.set(entry.key, outcome.value);
        at += 1;
        continue;
      }
      if (outcome.error.code !== 'invalid') throw outcome.error;
      const value = canPass
        ? await this.absent(entry, outcome.error)
        : await this.#lastChance(entry, outcome.error);
      this.#values.set(entry.key, value);
    }
    return at;
  }

  /** Fills the named arguments from what {@link split} found. */
  async named(): Promise<void> {
    for (const entry of this.spec.named.values()) {
      const tokens = this.#given.get(entry.key) ?? [];
      const { definition } = entry;
      if (tokens.length === 0) {
        this.#values.set(entry.key, await this.absent(entry));
        continue;
      }
      if (definition.source === 'flag') {
        this.#values.set(entry.key, tokens.at(-1)?.value === 'yes');
        continue;
      }
      if (definition.multi !== 'greedy' && tokens.length > 1) {
        throw new ArgumentError({
          code: 'repeated_option',
          expected: `${entry.label} once`,
          argument: entry.key,
          label: entry.label,
        });
      }
      const values: unknown[] = [];
      for (const token of tokens) {
        const outcome = await this.convert(entry, token);
        if (!outcome.ok) throw outcome.error;
        values.push(outcome.value);
      }
      this.#values.set(entry.key, definition.multi === 'greedy' ? values : values[0]);
    }
  }

  /** Fills the attachment arguments; each attachment goes to one argument. */
  async attachments(): Promise<void> {
    const used = new Set<unknown>();
    for (const entry of this.spec.attachments) {
      const { definition } = entry;
      const offered = (definition.pick?.(this.env) ?? []).filter((item) => !used.has(item));
      const taken = definition.multi === 'greedy' ? offered : offered.slice(0, 1);
      for (const item of taken) used.add(item);
      if (taken.length === 0) this.#values.set(entry.key, await this.absent(entry));
      else this.#values.set(entry.key, definition.multi === 'greedy' ? taken : taken[0]);
    }
  }

  get wordCount(): number {
    return this.#words.length;
  }

  /** The values in the spec's key order. */
  result(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const entry of this.spec.entries) result[entry.key] = this.#values.get(entry.key);
    return result;
  }
}

/**
 * Parses a command's text (what follows the command's name) against a spec.
 *
 * Words are split on whitespace; `"double quotes"` (also «ёлочки» and “curly” quotes, with `\"`
 * inside) group words. Positional arguments take words in key order; named ones (`--limit 5`,
 * `--limit=5`, `--reverse`) may stand anywhere, and `--` ends them. A word an optional argument
 * cannot take goes on to the next argument. Users are resolved through `env.api`; attachments
 * come from `env.message`.
 *
 * @throws ArgumentError when the text does not fit (codes: missing, invalid, out_of_range,
 *   extra_text in strict mode, unknown_flag, repeated_option, not_found)
 * @throws VkwireConfigError when the spec is malformed, or a screen name needs `env.api` and there is none
 * @example
 * const args = await parseArgs({ count: arg.integer().min(1), who: arg.user().optional() }, '3 @durov', { api });
 * // { count: 3, who: { type: 'user', id: 1, firstName: 'Pavel', ... } }
 */
export async function parseArgs<S extends ArgsSpec>(
  spec: S,
  text: string,
  env: ArgsEnv = {},
  options: ParseArgsOptions = {},
): Promise<InferArgs<S>> {
  const compiled = compileSpec(spec);
  env.signal?.throwIfAborted();
  const parser = new Parser(compiled, text, env);
  parser.split();
  const used = await parser.positional();
  await parser.named();
  await parser.attachments();
  const last = compiled.positional.at(-1);
  if (last?.definition.multi === 'list' && used < parser.wordCount) {
    // `/pick 1 2 3` for a list read as one word: the rest would be dropped without a word.
    const extra = parser.rest(used);
    const separator = last.definition.separator as string;
    throw new ArgumentError({
      code: 'extra_text',
      value: extra,
      expected: `items separated by ${quoteValue(separator)}`,
      reason: `items are separated by ${quoteValue(separator)}: ${quoteValue(extra)} was not read`,
      argument: last.key,
      label: last.label,
    });
  }
  if (options.strict === true && used < parser.wordCount) {
    const extra = parser.rest(used);
    throw new ArgumentError({
      code: 'extra_text',
      value: extra,
      expected: 'nothing more',
      reason: `unexpected text ${quoteValue(extra)} after the arguments`,
    });
  }
  return parser.result() as InferArgs<S>;
}
