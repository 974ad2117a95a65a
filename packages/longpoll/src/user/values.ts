// Reading loosely typed wire values. Not exported from the package: the decoder's own toolbox.

const DECIMAL = /^-?\d{1,16}$/;

/**
 * An integer from a JSON number or a decimal string. VK sends ids inside `additional` as strings
 * ("352918476") and positional elements as numbers; accepting both keeps one code path.
 */
export function asInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value)) {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** A string value, or undefined for anything else. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** VK mixes `0/1`, `"0"/"1"` and `true/false` for booleans; undefined when it is none of them. */
export function asBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const number = asInt(value);
  return number === undefined ? undefined : number !== 0;
}

/** Whether a value is a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a JSON string; undefined when it is not valid JSON. */
export function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
