import { VkwireConfigError } from '@vkwire/core';
import { type Argument, type Converter, createArgument } from './argument.js';
import { attachment } from './attachment.js';
import { chat } from './chat.js';
import { boolean, literal, oneOf } from './choices.js';
import { duration } from './duration.js';
import { integer, number } from './numbers.js';
import { string, text, word } from './text.js';
import { user } from './user.js';
import { zod } from './zod.js';

/**
 * A converter of your own: `convert` gets the word and gives the value, `undefined` when the word
 * is not one (an `invalid` error saying `"x" is not <name>`, or the word goes to the next argument
 * when this one is optional), or throws {@link ArgumentError} with its own message.
 *
 * @param name what it takes, in words: `'a hex color'`
 * @example
 * arg.custom('a hex color', (token) => (/^#[\da-f]{6}$/i.test(token) ? token.toLowerCase() : undefined))
 */
function custom<Value>(name: string, convert: Converter<Value>): Argument<Value> {
  if (typeof name !== 'string' || name === '') {
    throw new VkwireConfigError('arg.custom()', 'name', 'a non-empty string', { got: name });
  }
  if (typeof convert !== 'function') {
    throw new VkwireConfigError('arg.custom()', 'convert', 'a function', { got: convert });
  }
  return createArgument({
    kind: 'custom',
    typeName: name.replace(/^(?:an?|the) /i, ''),
    expected: name,
    source: 'token',
    convert,
  });
}

/**
 * A named yes/no flag: `true` when `--name` is in the text (anywhere), `false` otherwise;
 * `--no-name` and `--name=off` give `false` too.
 *
 * @example
 * { reverse: arg.flag() } // /list --reverse
 */
function flag(): Argument<boolean, false, 'default'> {
  return createArgument<boolean>({
    kind: 'flag',
    typeName: 'flag',
    expected: 'yes or no',
    source: 'flag',
    convert: () => undefined,
    named: true,
  }).default(false);
}

/**
 * Builders of command arguments. Each makes a required argument taking one word; chain
 * `.optional()`, `.default(v)`, `.greedy()`, `.list()`, `.named()`, `.min()` / `.max()`,
 * `.describe()` to refine it.
 *
 * @example
 * bot.command('sum', { args: { numbers: arg.number().greedy() } }, (ctx) => ...); // numbers: number[]
 */
export const arg = {
  /** A whole number: `42`, `-7`. */
  integer,
  /** A decimal number: `2.5` or `2,5`. */
  number,
  /** One word. */
  word,
  /** One word or a "quoted string". */
  string,
  /** The rest of the text, verbatim. */
  text,
  /** One of the given words: `arg.enum(['asc', 'desc'])` → `'asc' | 'desc'`. */
  enum: oneOf,
  /** Exactly this word: `arg.literal('add')` → `'add'`. */
  literal,
  /** yes/no, true/false, on/off, 1/0 (and да/нет). */
  boolean,
  /** `10m`, `1h30m`, `45s`, `2d` → milliseconds. */
  duration,
  /** A VK user: mention, @screen_name, vk.com link, id; or the replied message's author. */
  user,
  /** A chat: a chat id or peer id → peer id. */
  chat,
  /** An attachment of the message, not a word of the text. */
  attachment,
  /** A zod schema applied to a word (or the rest of the text with `{ rest: true }`). */
  zod,
  /** Your own converter. */
  custom,
  /** A named boolean flag: `--reverse`. */
  flag,
} as const;
