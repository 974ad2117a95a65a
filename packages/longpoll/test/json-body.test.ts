import { describe, expect, test } from 'vitest';
import { parseJsonBody } from '../src/json-body.js';

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

/** Parses with the piecewise path forced (any size), and checks it against JSON.parse. */
function expectSameAsJsonParse(text: string): void {
  let expected: unknown;
  let expectedError: unknown;
  try {
    expected = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    expectedError = error;
  }
  if (expectedError === undefined) {
    const parsed = parseJsonBody(bytes(text), 0);
    expect(parsed).toStrictEqual(expected);
    // Same own keys in the same order.
    if (typeof expected === 'object' && expected !== null)
      expect(Object.keys(parsed as object)).toEqual(Object.keys(expected));
  } else expect(() => parseJsonBody(bytes(text), 0)).toThrow(SyntaxError);
}

/** A small deterministic random source. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

const STRINGS = [
  '',
  'a',
  'Привет, мир',
  'quote " and \\ backslash',
  'brackets { [ ] }',
  'emoji 😀',
  '\n\t\u0001',
  '\\"',
  ',',
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  switch (pick) {
    case 0:
      return STRINGS[Math.floor(next() * STRINGS.length)];
    case 1:
      return Math.floor(next() * 1e6) - 5e5 + (next() < 0.3 ? 0.25 : 0);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return -1.5e-7;
    case 5:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 4) }, (_, index) => [
          `${STRINGS[Math.floor(next() * STRINGS.length)]}${index}`,
          randomValue(next, depth + 1),
        ]),
      );
  }
}

/** JSON.stringify with random whitespace around the structural characters. */
function spaced(value: unknown, next: () => number): string {
  const space = () => [' ', '\n', '\t', '\r\n', ''][Math.floor(next() * 5)] as string;
  if (Array.isArray(value))
    return `[${space()}${value.map((item) => spaced(item, next)).join(`${space()},${space()}`)}${space()}]`;
  if (typeof value === 'object' && value !== null)
    return `{${space()}${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}${space()}:${space()}${spaced(item, next)}`)
      .join(`${space()},${space()}`)}${space()}}`;
  return JSON.stringify(value);
}

describe('parseJsonBody', () => {
  test('long poll answers come out as JSON.parse makes them, whitespace and escapes included', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const answer = {
        ts: String(round),
        updates: Array.from({ length: Math.floor(next() * 6) }, () => randomValue(next, 0)),
        ...(next() < 0.3 ? { extra: randomValue(next, 0) } : {}),
      };
      expectSameAsJsonParse(spaced(answer, next));
    }
  });

  test('a body that is not JSON throws SyntaxError, wherever it is cut or broken', () => {
    const next = random(11);
    const text = spaced(
      { ts: '5', updates: [{ a: 'Привет "x"', b: [1, 2, { c: null }] }, [true, false], 'x'] },
      next,
    );
    for (let cut = 0; cut < text.length; cut++) expectSameAsJsonParse(text.slice(0, cut));
    const broken = ['}', ']', ',', ':', '"', '{', '[', 'x', ' '];
    for (let round = 0; round < 400; round++) {
      const at = Math.floor(next() * text.length);
      const replacement = broken[Math.floor(next() * broken.length)] as string;
      expectSameAsJsonParse(text.slice(0, at) + replacement + text.slice(at + 1));
      expectSameAsJsonParse(text.slice(0, at) + replacement + text.slice(at));
    }
    for (const text of [
      '',
      ' ',
      '{',
      '{}x',
      '{"a":1,}',
      '{"a" 1}',
      '{"a":[1,]}',
      '{"a":[1 2]}',
      '{"a":tru}',
      '{,}',
      '[1]x',
    ])
      expectSameAsJsonParse(text);
  });

  test('other shapes, repeated keys, "__proto__" and a byte order mark are parsed as JSON.parse does', () => {
    for (const text of [
      '[1, 2, {"a": 3}]',
      '"just a string"',
      '42',
      'null',
      '{}',
      ' { } ',
      '{"updates": []}',
      '{"a": 1, "a": [2, 3], "b": {"a": 4}}',
      '{"__proto__": {"polluted": true}, "x": 1}',
      '\uFEFF{"ts": "1", "updates": [1]}',
    ])
      expectSameAsJsonParse(text);
    const parsed = parseJsonBody(bytes('{"__proto__": {"polluted": true}}'), 0) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a large answer (over the size parsed whole) gives the same updates as JSON.parse', () => {
    const text = 'Здравствуйте! Подскажите, пожалуйста, работаете ли вы в выходные?';
    const answer = {
      ts: '100',
      updates: Array.from({ length: 300 }, (_, index) => ({
        type: 'message_new',
        event_id: `e${index}`,
        object: { message: { text: `${text} ${index} "quoted" \\ [${index}]`, peer_id: index } },
      })),
    };
    const body = bytes(JSON.stringify(answer));
    expect(body.length).toBeGreaterThan(60_000);
    expect(parseJsonBody(body)).toStrictEqual(answer);
  });
});
