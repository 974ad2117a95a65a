import { KEYBOARD_LIMITS } from './limits.js';

/** A JSON value as a caller writes it (readonly arrays and objects accepted). */
export type JsonInput =
  | string
  | number
  | boolean
  | null
  | readonly JsonInput[]
  | { readonly [key: string]: JsonInput | undefined };

/**
 * A button payload as the builders take it: a string is taken as JSON that is already encoded
 * (what `CallbackData.pack()` returns), anything else is encoded with `JSON.stringify`.
 *
 * @example
 * keyboard.text('Menu', { payload: { cmd: 'menu' } });  // sent as {"cmd":"menu"}
 * keyboard.callback('Like', { payload: like.pack({ id: 1 }) }); // sent as packed
 */
export type ButtonPayload = JsonInput;

/** Why a payload could not be encoded (see `encodePayload`). */
export type PayloadProblem =
  | { kind: 'invalid'; reason: string }
  | { kind: 'too_long'; length: number; encoded: string };

/**
 * Encodes a payload to the JSON string VK wants, or describes why it cannot: a string must already
 * be JSON, the result must be at most 255 characters.
 */
export function encodePayload(
  payload: ButtonPayload,
): { ok: true; encoded: string } | { ok: false; problem: PayloadProblem } {
  let encoded: string;
  if (typeof payload === 'string') {
    if (parsePayload(payload) === undefined)
      return {
        ok: false,
        problem: {
          kind: 'invalid',
          reason: 'a string payload must be JSON (pass an object to have it encoded)',
        },
      };
    encoded = payload;
  } else {
    try {
      encoded = JSON.stringify(payload);
    } catch (error) {
      return {
        ok: false,
        problem: { kind: 'invalid', reason: `it cannot be encoded as JSON (${String(error)})` },
      };
    }
    if (typeof encoded !== 'string')
      return { ok: false, problem: { kind: 'invalid', reason: 'it encodes to nothing' } };
  }
  if (encoded.length > KEYBOARD_LIMITS.payload)
    return { ok: false, problem: { kind: 'too_long', length: encoded.length, encoded } };
  return { ok: true, encoded };
}

/**
 * A payload as a JSON value. VK gives a message's payload as a JSON string and a callback button's
 * as an already parsed value: strings are parsed, anything else is returned as it is. Bad JSON (or
 * an empty string) gives `undefined`; never throws, since payloads are user-controllable.
 *
 * @example
 * parsePayload('{"cmd":"menu"}'); // { cmd: 'menu' }
 * parsePayload('not json');       // undefined
 */
export function parsePayload(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Whether a payload contains `pattern`: the payload (a JSON string or a parsed value) is an object
 * with every key of `pattern` as its own key and an equal value. Nested objects match as subsets
 * too; arrays and other values must be equal. The routing test of `bot.payload(pattern, handler)`.
 *
 * @example
 * payloadMatches({ cmd: 'menu' }, '{"cmd":"menu","page":2}'); // true
 * payloadMatches({ cmd: 'menu' }, '{"cmd":"help"}');          // false
 */
export function payloadMatches(pattern: object, payload: unknown): boolean {
  return contains(pattern, parsePayload(payload));
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contains(pattern: unknown, value: unknown): boolean {
  if (!isRecord(pattern)) return equal(pattern, value);
  if (!isRecord(value)) return false;
  return Object.keys(pattern).every((key) => {
    const expected = pattern[key];
    // An undefined in a pattern stands for a key left out (as JSON.stringify would drop it).
    if (expected === undefined) return true;
    return Object.hasOwn(value, key) && contains(expected, value[key]);
  });
}

function equal(left: unknown, right: unknown): boolean {
  if (Array.isArray(left)) {
    return (
      Array.isArray(right) &&
      left.length === right.length &&
      left.every((item, index) => equal(item, right[index]))
    );
  }
  if (isRecord(left)) {
    if (!isRecord(right)) return false;
    const keys = Object.keys(left).filter((key) => left[key] !== undefined);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && equal(left[key], right[key]))
    );
  }
  return left === right;
}
