import * as z from 'zod';

/**
 * A boolean-like VK field. VK mixes `0`/`1` and `true`/`false` for flags (`out: 0` next to
 * `important: false`), so both are accepted and **parsed to a JS `boolean`** (`1`/`true` → `true`).
 * Every flag in this package's schemas uses this schema, so consumers only ever see booleans.
 *
 * @example
 * vkBoolean.parse(1); // true
 * vkBoolean.parse(false); // false
 */
export const vkBoolean: z.ZodType<boolean, boolean | 0 | 1> = z
  .union([z.boolean(), z.literal(0), z.literal(1)])
  .transform((value): boolean => value === true || value === 1);

/**
 * A string enum that stays open: the known values give autocomplete, any other string still
 * type-checks (VK adds enum values without notice).
 *
 * @example
 * const state: OpenEnum<'typing' | 'audiomessage'> = 'photo'; // fine, and 'typing' autocompletes
 */
export type OpenEnum<Known extends string> = Known | (string & {});

/**
 * Schema of an {@link OpenEnum}: accepts every string, types the known values. The known values are
 * recorded as `examples` for documentation and JSON Schema.
 *
 * @example
 * const joinType = openEnum(['join', 'unsure', 'accepted', 'approved', 'request']);
 * joinType.parse('something_new'); // 'something_new', not an error
 */
export function openEnum<const Known extends readonly [string, ...string[]]>(
  known: Known,
): z.ZodType<OpenEnum<Known[number]>, string> {
  // A plain string check at runtime: a union with the known enum would cost time and accept the same set.
  return z.string().meta({ examples: [...known] }) as unknown as z.ZodType<OpenEnum<Known[number]>, string>;
}

/** Any JSON value: what a button `payload` or a Mini App payload can be once VK has parsed it. */
export type VkJsonValue = string | number | boolean | null | VkJsonValue[] | { [key: string]: VkJsonValue };

/**
 * A JSON value inside a raw update. The content is not walked: it came out of `JSON.parse`, so it is
 * JSON by construction, and walking arbitrary payloads would cost time on the hot path.
 */
export const vkJsonValue: z.ZodType<VkJsonValue> = z.unknown() as unknown as z.ZodType<VkJsonValue>;
