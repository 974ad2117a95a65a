/** A value VK accepts as a request parameter before encoding. */
export type ParamValue = string | number | boolean | bigint | null | undefined | readonly unknown[] | object;

/**
 * Encodes call parameters the way VK reads form fields: arrays of scalars as comma-separated
 * strings, objects (keyboard, template, forward, event_data) and arrays of objects as JSON,
 * booleans as 1/0; `undefined` and `null` are left out.
 */
export function encodeParams(params: Readonly<Record<string, ParamValue>>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') encoded[key] = value;
    else if (typeof value === 'number' || typeof value === 'bigint') encoded[key] = String(value);
    else if (typeof value === 'boolean') encoded[key] = value ? '1' : '0';
    else if (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object'))
      encoded[key] = value.join(',');
    else encoded[key] = JSON.stringify(value);
  }
  return encoded;
}
