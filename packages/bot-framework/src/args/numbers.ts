import { type ArgMeasure, type Argument, createArgument } from './argument.js';

const INTEGER = /^[+-]?\d+$/;
// Both decimal marks: VK users in Russia and much of Europe type `1,5`.
const DECIMAL = /^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;

const QUANTITY: ArgMeasure = { of: (value) => value as number, show: String, unit: '' };

/** A whole number in JavaScript's safe range: `42`, `-7`, `+3`. */
export function integer(): Argument<number> {
  return createArgument({
    kind: 'integer',
    typeName: 'integer',
    expected: 'an integer',
    source: 'token',
    measure: QUANTITY,
    convert: (token) => {
      if (!INTEGER.test(token)) return undefined;
      const value = Number(token);
      return Number.isSafeInteger(value) ? value : undefined;
    },
  });
}

/** A decimal number: `3`, `-2.5`, `1,5` (a comma is a decimal mark too), `.5`. */
export function number(): Argument<number> {
  return createArgument({
    kind: 'number',
    typeName: 'number',
    expected: 'a number',
    source: 'token',
    measure: QUANTITY,
    convert: (token) => {
      if (!DECIMAL.test(token)) return undefined;
      const value = Number(token.replace(',', '.'));
      return Number.isFinite(value) ? value : undefined;
    },
  });
}
