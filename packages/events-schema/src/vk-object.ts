import * as z from 'zod';

/**
 * The object schema every VK object in this package is built with: **loose at run time** (fields VK
 * adds are kept, never stripped or rejected) but **typed without an index signature**, so a typo
 * such as `message.txet` is a compile error instead of an `unknown`. The declared fields are the
 * whole type; unknown ones are still there at run time (read them with a cast or `in`).
 *
 * Objects whose content is deliberately left untyped (`z.looseObject({})`) keep their
 * `Record<string, unknown>` type instead.
 *
 * @example
 * const schema = vkObject({ id: z.number() });
 * const value = schema.parse({ id: 1, added_by_vk: true }); // { id: 1, added_by_vk: true }
 * value.added_by_vk; // compile error: not declared
 */
export function vkObject<const Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
): z.ZodObject<z.core.util.Writeable<Shape>, z.core.$strip> {
  // The $strip config type only drops zod's `& Record<string, unknown>` from the output type;
  // the runtime object stays loose (`extend`, `pick` and friends keep the catchall too).
  return z.looseObject(shape) as unknown as z.ZodObject<z.core.util.Writeable<Shape>, z.core.$strip>;
}
