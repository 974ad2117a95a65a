import { type ArgMeasure, type Argument, createArgument } from './argument.js';

const SPACE = /\s/u;

/** Length in characters as a person counts them (an emoji is one). */
export const LENGTH: ArgMeasure = {
  of: (value) => [...(value as string)].length,
  show: String,
  unit: ' characters',
};

/** One word; a quoted group with spaces inside is not one. */
export function word(): Argument<string> {
  return createArgument({
    kind: 'word',
    typeName: 'word',
    expected: 'a single word',
    source: 'token',
    measure: LENGTH,
    convert: (token) => (token === '' || SPACE.test(token) ? undefined : token),
  });
}

/** One word, or several in quotes: `hello`, `"hello world"`, `«привет, мир»`. */
export function string(): Argument<string> {
  return createArgument({
    kind: 'string',
    typeName: 'string',
    expected: 'a word or "quoted text"',
    source: 'token',
    measure: LENGTH,
    convert: (token) => token,
  });
}

/** The rest of the text, verbatim (spacing and line breaks kept); absent when nothing is left. */
export function text(): Argument<string> {
  return createArgument({
    kind: 'text',
    typeName: 'text',
    expected: 'text',
    source: 'rest',
    measure: LENGTH,
    convert: (token) => token,
  });
}
