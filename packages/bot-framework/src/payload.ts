/**
 * A message payload as a value: VK sends a text button's payload as a JSON string and a callback
 * button's as a value. Undefined when there is none or the string is not JSON. Payloads come from
 * users' clients: never trust their shape.
 *
 * @example
 * parsePayload('{"cmd":"menu"}'); // { cmd: 'menu' }
 */
export function parsePayload(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Whether `payload` has every field of `pattern` with an equal value (nested objects compared the
 * same way, arrays element by element). Other fields of the payload are allowed.
 *
 * @example
 * payloadMatches({ cmd: 'menu' }, { cmd: 'menu', page: 2 }); // true
 */
export function payloadMatches(pattern: unknown, payload: unknown): boolean {
  if (pattern === payload) return true;
  if (typeof pattern !== 'object' || pattern === null || typeof payload !== 'object' || payload === null)
    return false;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(payload) || payload.length !== pattern.length) return false;
    return pattern.every((item, index) => payloadMatches(item, payload[index]));
  }
  for (const key of Object.keys(pattern)) {
    if (!Object.hasOwn(payload, key)) return false;
    if (!payloadMatches((pattern as Record<string, unknown>)[key], (payload as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}
