import { VkwireConfigError } from '@vkwire/core';
import { type Argument, createArgument } from './argument.js';

function checkChoices(component: string, values: unknown): asserts values is readonly string[] {
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some((value) => typeof value !== 'string' || value === '')
  ) {
    throw new VkwireConfigError(component, 'values', 'a non-empty array of non-empty strings', {
      got: values,
    });
  }
}

/** `a, b or c` */
function alternatives(values: readonly string[]): string {
  return values.length === 1
    ? (values[0] as string)
    : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/**
 * One of the given words, matched without regard to case and given back as written here.
 *
 * @example
 * arg.enum(['asc', 'desc']) // 'asc' | 'desc'; "DESC" → 'desc'
 */
export function oneOf<const Values extends readonly [string, ...string[]]>(
  values: Values,
): Argument<Values[number]> {
  checkChoices('arg.enum()', values);
  const byKey = new Map(values.map((value) => [value.toLowerCase(), value]));
  return createArgument({
    kind: 'enum',
    typeName: values.join('|'),
    expected: `one of ${alternatives(values)}`,
    source: 'token',
    choices: [...values],
    convert: (token) => byKey.get(token.toLowerCase()) as Values[number] | undefined,
  });
}

/**
 * Exactly this word (any case): a keyword among the arguments, such as `add` in `/todo add <text>`.
 *
 * @example
 * { action: arg.literal('add'), item: arg.text() } // action: 'add'
 */
export function literal<const Value extends string>(value: Value): Argument<Value> {
  checkChoices('arg.literal()', [value]);
  return createArgument({
    kind: 'literal',
    typeName: value,
    expected: JSON.stringify(value),
    source: 'token',
    choices: [value],
    convert: (token) => (token.toLowerCase() === value.toLowerCase() ? value : undefined),
  });
}

const TRUE_WORDS = ['yes', 'true', 'on', '1', 'y', '+', 'да', 'вкл'];
const FALSE_WORDS = ['no', 'false', 'off', '0', 'n', '-', 'нет', 'выкл'];

/** The words `arg.boolean()` reads as true and as false. */
export const BOOLEAN_WORDS: { readonly true: readonly string[]; readonly false: readonly string[] } = {
  true: TRUE_WORDS,
  false: FALSE_WORDS,
};

/** Reads yes/no words (see {@link BOOLEAN_WORDS}); undefined for anything else. */
export function readBoolean(token: string): boolean | undefined {
  const lower = token.toLowerCase();
  if (TRUE_WORDS.includes(lower)) return true;
  if (FALSE_WORDS.includes(lower)) return false;
  return undefined;
}

/** Yes or no: `yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0`, `да`/`нет`, `вкл`/`выкл`, `+`/`-`. */
export function boolean(): Argument<boolean> {
  return createArgument({
    kind: 'boolean',
    typeName: 'yes|no',
    expected: 'yes or no (on/off, true/false, 1/0)',
    source: 'token',
    choices: ['yes', 'no'],
    convert: readBoolean,
  });
}
