import type * as z from 'zod';
import { type Argument, createArgument } from './argument.js';
import { ArgumentError, quoteValue } from './errors.js';

/** Options of `arg.zod()`. */
export interface ZodArgOptions {
  /** Take the rest of the text (as `arg.text()` does) instead of one word. @default false */
  rest?: boolean;
  /** What the schema takes, for usage and messages (`'an email address'`). @default the schema's description, else 'a valid value' */
  expected?: string;
  /** The type shown in usage of an option (`--to <email>`). @default 'value' */
  typeName?: string;
}

/**
 * A zod schema applied to one word (a string; use `z.coerce.number()` and the like for other
 * types) or, with `{ rest: true }`, to the rest of the text. The value is the schema's output;
 * a failure is an `invalid` error with the schema's first message.
 *
 * @example
 * arg.zod(z.email(), { expected: 'an email address' }) // string
 * arg.zod(z.coerce.number().int().multipleOf(5))        // number
 */
export function zod<Schema extends z.ZodType>(
  schema: Schema,
  options: ZodArgOptions = {},
): Argument<z.output<Schema>> {
  const expected = options.expected ?? schema.description ?? 'a valid value';
  return createArgument<z.output<Schema>>({
    kind: 'zod',
    typeName: options.typeName ?? 'value',
    expected,
    source: options.rest === true ? 'rest' : 'token',
    convert: async (token) => {
      const result = await schema.safeParseAsync(token);
      if (result.success) return result.data;
      const issue = result.error.issues[0]?.message;
      throw new ArgumentError({
        code: 'invalid',
        value: token,
        expected,
        ...(issue === undefined ? {} : { reason: `${quoteValue(token)} is not ${expected}: ${issue}` }),
      });
    },
  });
}
