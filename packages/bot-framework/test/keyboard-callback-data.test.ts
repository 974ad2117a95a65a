import { VkwireConfigError } from '@vkwire/core';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  type CallbackData,
  CallbackDataError,
  type CallbackDataOf,
  type CallbackDataQuery,
  defineCallbackData,
  Keyboard,
  parsePayload,
  payloadMatches,
} from '../src/keyboard/index.js';

const vote = defineCallbackData('vote', { id: 'number', choice: ['up', 'down'] });
const note = defineCallbackData('note', {
  text: 'string',
  pinned: 'boolean',
  page: { type: 'number', optional: true },
  tag: { type: ['a', 'b'], optional: true },
});

function callbackDataError(run: () => unknown): CallbackDataError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CallbackDataError);
    expect((error as Error).name).toBe('CallbackDataError');
    return error as CallbackDataError;
  }
  throw new Error('expected a CallbackDataError, nothing was thrown');
}

describe('pack and unpack', () => {
  test('packs into a compact JSON object payload and reads it back', () => {
    const payload = vote.pack({ id: 7, choice: 'up' });
    expect(payload).toBe('{"c":["vote",7,"up"]}');
    expect(JSON.parse(payload)).toBeTypeOf('object');
    expect(vote.unpack(payload)).toEqual({ id: 7, choice: 'up' });
    // message_event delivers the payload already parsed.
    expect(vote.unpack(JSON.parse(payload))).toEqual({ id: 7, choice: 'up' });
  });

  test.each([
    'a:b|c;d',
    '"quoted" and \\backslash\\',
    '{"c":["vote",1,"up"]}',
    'Привет, мир 👋 — ünïcödé',
    '',
    '__proto__',
    'line\nbreak\ttab\u0000nul',
  ])('strings round-trip unchanged: %j', (text) => {
    const payload = note.pack({ text, pinned: true });
    expect(note.unpack(payload)).toEqual({ text, pinned: true });
  });

  test('booleans, fractional and negative numbers round-trip', () => {
    for (const data of [
      { text: 'x', pinned: false, page: -1.5 },
      { text: 'x', pinned: true, page: 0 },
      { text: 'x', pinned: true, page: Number.MAX_SAFE_INTEGER },
    ]) {
      expect(note.unpack(note.pack(data))).toEqual(data);
    }
  });

  test('optional fields may be left out, at the end or in the middle', () => {
    expect(note.pack({ text: 'x', pinned: true })).toBe('{"c":["note","x",1]}');
    expect(note.unpack(note.pack({ text: 'x', pinned: true }))).toEqual({ text: 'x', pinned: true });
    expect(note.unpack(note.pack({ text: 'x', pinned: true, tag: 'b' }))).toEqual({
      text: 'x',
      pinned: true,
      tag: 'b',
    });
    expect(note.unpack(note.pack({ text: 'x', pinned: true, page: undefined }))).toEqual({
      text: 'x',
      pinned: true,
    });
  });

  test('a packed payload is usable as a button payload as it is', () => {
    const payload = vote.pack({ id: 1, choice: 'down' });
    expect(Keyboard.inline().callback('👎', { payload }).build().buttons[0]![0]!.action.payload).toBe(
      payload,
    );
  });

  test('a pack that would exceed 255 characters throws, naming the length', () => {
    // {"c":["note","",1]} is 19 characters around the text.
    expect(note.pack({ text: 'a'.repeat(236), pinned: true })).toHaveLength(255);
    const error = callbackDataError(() => note.pack({ text: 'a'.repeat(237), pinned: true }));
    expect(error.code).toBe('payload_too_long');
    expect(error.message).toMatch(/note: the packed payload is 256 characters; VK allows at most 255/);
    // Escaping counts: a quote takes two characters in the payload.
    expect(callbackDataError(() => note.pack({ text: '"'.repeat(120), pinned: true })).code).toBe(
      'payload_too_long',
    );
  });

  test('values that do not fit the schema throw invalid_value naming the field', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => vote.pack({ id: Number.NaN, choice: 'up' }), /field "id" must be a finite number, got NaN/],
      [() => vote.pack({ id: Number.POSITIVE_INFINITY, choice: 'up' }), /finite number, got Infinity/],
      [
        // @ts-expect-error not one of the enum values
        () => vote.pack({ id: 1, choice: 'sideways' }),
        /field "choice" must be one of "up", "down", got "sideways"/,
      ],
      // @ts-expect-error a string where a number belongs
      [() => vote.pack({ id: '1', choice: 'up' }), /field "id" must be a finite number, got "1"/],
      // @ts-expect-error a required field is missing
      [() => vote.pack({ choice: 'up' }), /field "id" is missing/],
      [
        // @ts-expect-error an unknown field
        () => vote.pack({ id: 1, choice: 'up', extra: 1 }),
        /unknown field "extra"; the fields are "id", "choice"/,
      ],
      // @ts-expect-error not an object
      [() => vote.pack(null), /data must be an object/],
    ];
    for (const [run, message] of cases) {
      const error = callbackDataError(run);
      expect(error.code).toBe('invalid_value');
      expect(error.message).toMatch(message);
    }
  });
});

describe('unpack of hostile or foreign payloads gives undefined', () => {
  test.each<[string, unknown]>([
    ['another prefix', '{"c":["like",7,"up"]}'],
    ['bad JSON', '{"c":["vote",7,'],
    ['an empty string', ''],
    ['a JSON string value', '"vote"'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 7],
    ['an array', ['vote', 7, 'up']],
    ['c not an array', { c: 'vote:7:up' }],
    ['a number packed as a string', { c: ['vote', '7', 'up'] }],
    ['a value outside the enum', { c: ['vote', 7, 'sideways'] }],
    ['an enum value of another case', { c: ['vote', 7, 'UP'] }],
    ['a required field missing', { c: ['vote', 7] }],
    ['a required field null', { c: ['vote', null, 'up'] }],
    ['extra values', { c: ['vote', 7, 'up', 'more'] }],
    ['extra keys next to c', { c: ['vote', 7, 'up'], admin: true }],
    ['an object where a string belongs', { c: ['vote', 7, { toString: 'up' }] }],
    ['a prototype key', JSON.parse('{"__proto__":{"c":["vote",7,"up"]}}')],
    ['a constructor key', { constructor: { c: ['vote', 7, 'up'] } }],
  ])('%s', (_name, payload) => {
    expect(vote.unpack(payload)).toBeUndefined();
  });

  test('booleans must be packed as 1 or 0', () => {
    expect(note.unpack({ c: ['note', 'x', true] })).toBeUndefined();
    expect(note.unpack({ c: ['note', 'x', 2] })).toBeUndefined();
    expect(note.unpack({ c: ['note', 'x', 0] })).toEqual({ text: 'x', pinned: false });
  });

  test('a field named like a prototype key stays plain data', () => {
    const odd = defineCallbackData('odd', { constructor: 'string', toString: 'number' });
    const data = odd.unpack(odd.pack({ constructor: 'x', toString: 1 }));
    expect(data).toEqual({ constructor: 'x', toString: 1 });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('filter', () => {
  test('matches this callback data when every given field equals, and returns the data', () => {
    const up = vote.filter({ choice: 'up' });
    expect(up.callbackData).toBe(vote);
    expect(up.match(vote.pack({ id: 3, choice: 'up' }))).toEqual({ id: 3, choice: 'up' });
    expect(up.match(vote.pack({ id: 3, choice: 'down' }))).toBeUndefined();
    expect(up.match(note.pack({ text: 'up', pinned: true }))).toBeUndefined();
    expect(vote.filter({ id: 3, choice: 'down' }).match({ c: ['vote', 3, 'down'] })).toEqual({
      id: 3,
      choice: 'down',
    });
    expect(vote.filter({ id: 4 }).match({ c: ['vote', 3, 'down'] })).toBeUndefined();
  });

  test('without fields it matches any payload of this callback data', () => {
    const any = vote.filter();
    expect(any.match(vote.pack({ id: 1, choice: 'down' }))).toEqual({ id: 1, choice: 'down' });
    expect(any.match('{"cmd":"menu"}')).toBeUndefined();
    expect(any.match('not json')).toBeUndefined();
  });

  test('a filter value that does not fit the schema throws at once', () => {
    // @ts-expect-error not one of the enum values
    expect(callbackDataError(() => vote.filter({ choice: 'left' })).message).toMatch(
      /filter field "choice" must be one of/,
    );
    // @ts-expect-error unknown field
    expect(callbackDataError(() => vote.filter({ ids: 1 })).message).toMatch(/unknown field "ids"/);
  });
});

describe('defining', () => {
  test('a bad prefix or field type is a configuration error naming the option', () => {
    expect(() => defineCallbackData('', { id: 'number' })).toThrow(VkwireConfigError);
    expect(() => defineCallbackData('', { id: 'number' })).toThrow(/`prefix` must be a non-empty string/);
    // @ts-expect-error not a field type
    expect(() => defineCallbackData('x', { id: 'int' })).toThrow(
      /`schema\.id` must be 'number', 'string'.*got the string "int"/,
    );
    expect(() => defineCallbackData('x', { id: [] })).toThrow(/`schema\.id`/);
    // @ts-expect-error enum values are strings
    expect(() => defineCallbackData('x', { id: [1, 2] })).toThrow(/`schema\.id`/);
  });
});

describe('payload helpers', () => {
  test('parsePayload parses JSON strings, passes parsed values through, never throws', () => {
    expect(parsePayload('{"cmd":"menu"}')).toEqual({ cmd: 'menu' });
    expect(parsePayload({ cmd: 'menu' })).toEqual({ cmd: 'menu' });
    expect(parsePayload('{bad')).toBeUndefined();
    expect(parsePayload('')).toBeUndefined();
    expect(parsePayload(undefined)).toBeUndefined();
    expect(parsePayload('"text"')).toBe('text');
  });

  test('payloadMatches is a subset match on the parsed payload', () => {
    expect(payloadMatches({ cmd: 'menu' }, '{"cmd":"menu","page":2}')).toBe(true);
    expect(payloadMatches({ cmd: 'menu' }, { cmd: 'menu' })).toBe(true);
    expect(payloadMatches({ cmd: 'menu', page: 2 }, '{"cmd":"menu"}')).toBe(false);
    expect(payloadMatches({ cmd: 'menu' }, '{"cmd":"help"}')).toBe(false);
    expect(payloadMatches({ cmd: 'menu' }, '{"command":"start"}')).toBe(false);
    expect(payloadMatches({ a: { b: 1 } }, '{"a":{"b":1,"c":2}}')).toBe(true);
    expect(payloadMatches({ a: [1, { b: 2 }] }, '{"a":[1,{"b":2}]}')).toBe(true);
    expect(payloadMatches({ a: [1, { b: 2 }] }, '{"a":[1,{"b":2,"c":3}]}')).toBe(false);
    expect(payloadMatches({ a: [1] }, '{"a":[1,2]}')).toBe(false);
    expect(payloadMatches({ n: 1 }, '{"n":"1"}')).toBe(false);
  });

  test('payloadMatches refuses hostile payloads', () => {
    expect(payloadMatches({ cmd: 'menu' }, 'not json')).toBe(false);
    expect(payloadMatches({ cmd: 'menu' }, null)).toBe(false);
    expect(payloadMatches({ cmd: 'menu' }, '["menu"]')).toBe(false);
    // Inherited keys do not count: only the payload's own keys.
    expect(payloadMatches({ toString: Object.prototype.toString }, {})).toBe(false);
    expect(payloadMatches({ cmd: 'menu' }, JSON.parse('{"__proto__":{"cmd":"menu"}}'))).toBe(false);
  });
});

describe('types', () => {
  test('the data type is inferred from the schema, enums without as const', () => {
    expectTypeOf<CallbackDataOf<typeof vote>>().toEqualTypeOf<{ id: number; choice: 'up' | 'down' }>();
    expectTypeOf(vote).toEqualTypeOf<CallbackData<{ id: number; choice: 'up' | 'down' }>>();
    expectTypeOf<CallbackDataOf<typeof note>>().toEqualTypeOf<{
      text: string;
      pinned: boolean;
      page?: number;
      tag?: 'a' | 'b';
    }>();
    const fixed = ['x', 'y'] as const;
    expectTypeOf<CallbackDataOf<ReturnType<typeof defineCallbackData<{ k: typeof fixed }>>>>().toEqualTypeOf<{
      k: 'x' | 'y';
    }>();
  });

  test('pack, unpack and a filter match are typed by the data', () => {
    expectTypeOf(vote.pack).parameter(0).toEqualTypeOf<{ id: number; choice: 'up' | 'down' }>();
    expectTypeOf(vote.pack).returns.toEqualTypeOf<string>();
    expectTypeOf(vote.unpack('')).toEqualTypeOf<{ id: number; choice: 'up' | 'down' } | undefined>();
    const up = vote.filter({ choice: 'up' });
    expectTypeOf(up).toEqualTypeOf<CallbackDataQuery<{ id: number; choice: 'up' | 'down' }>>();
    expectTypeOf(up.match('')).toEqualTypeOf<{ id: number; choice: 'up' | 'down' } | undefined>();
    expectTypeOf<CallbackDataOf<typeof up>>().toEqualTypeOf<{ id: number; choice: 'up' | 'down' }>();
  });
});
