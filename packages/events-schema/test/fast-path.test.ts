import { afterEach, describe, expect, test } from 'vitest';
import * as z from 'zod';
import { fastParser, generateParser, INVALID } from '../src/fast-path.js';
import { isKnownEventType, safeParseUpdate, vkEnvelopeSchema, vkEventSchemas } from '../src/index.js';
import { allSampleUpdates, seededRandom } from './helpers.js';

// parseUpdate checks and normalizes with code generated from the zod schemas; zod's own safeParse is
// the reference. These tests fail if the two ever disagree on what is valid or on the result.

type Json = Record<string, unknown>;

function schemaOf(type: string): z.ZodType {
  if (!isKnownEventType(type)) throw new Error(`not a known type: ${type}`);
  return vkEventSchemas[type] as unknown as z.ZodType;
}

/** Every [container, key] pair inside a value, to pick mutation points from. */
function slots(value: unknown, out: Array<[Json | unknown[], string | number]> = []) {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push([value, index]);
      slots(item, out);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push([value as Json, key]);
      slots(item, out);
    }
  }
  return out;
}

const REPLACEMENTS: unknown[] = [
  '',
  'text',
  0,
  1,
  2,
  -5,
  1.5,
  true,
  false,
  null,
  [],
  [1],
  {},
  { type: 'photo' },
];

function mutate(object: Json, random: () => number): string {
  const points = slots(object);
  const [container, key] = points[Math.floor(random() * points.length)] ?? [object, 'x'];
  const roll = random();
  if (roll < 0.25 && !Array.isArray(container)) {
    delete (container as Json)[key as string];
    return `delete ${String(key)}`;
  }
  if (roll < 0.35 && !Array.isArray(container)) {
    (container as Json)[`unknown_${Math.floor(random() * 1000)}`] =
      REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)];
    return `add a key next to ${String(key)}`;
  }
  const replacement = structuredClone(REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)]);
  (container as Record<string | number, unknown>)[key] = replacement;
  return `${String(key)} = ${JSON.stringify(replacement)}`;
}

afterEach(() => {
  z.config({ jitless: false });
});

describe('the generated fast path answers exactly what zod answers', () => {
  test('covers every event schema, the envelope and the event without falling back to zod', () => {
    for (const schema of [...Object.values(vkEventSchemas), vkEnvelopeSchema]) {
      expect(() => generateParser(schema)).not.toThrow();
    }
    const covered = new Set(allSampleUpdates().map(({ update }) => update.type));
    expect(Object.keys(vkEventSchemas).filter((type) => !covered.has(type))).toEqual([]);
  });

  test.each(allSampleUpdates().map(({ name, update }) => [name, update] as const))(
    '%s: same result as zod safeParse',
    (_name, update) => {
      const reference = schemaOf(update.type as string).safeParse(structuredClone(update.object));
      const fast = fastParser(schemaOf(update.type as string))(structuredClone(update.object));
      expect(reference.success).toBe(true);
      expect(fast).toEqual(reference.data);
    },
  );

  test('6000 random mutations of every sample: same verdict and same normalized object as zod', () => {
    const random = seededRandom(20250601);
    const fixtures = allSampleUpdates();
    const parsers = new Map<string, ReturnType<typeof fastParser>>();
    let accepted = 0;
    let rejected = 0;
    for (let round = 0; round < 6000; round += 1) {
      const { name, update } = fixtures[round % fixtures.length] as (typeof fixtures)[number];
      const type = update.type as string;
      const object = structuredClone(update.object) as Json;
      const changes = [mutate(object, random)];
      if (random() < 0.5) changes.push(mutate(object, random));
      const reference = schemaOf(type).safeParse(structuredClone(object));
      let parser = parsers.get(type);
      if (!parser) {
        parser = fastParser(schemaOf(type));
        parsers.set(type, parser);
      }
      const input = structuredClone(object);
      const fast = parser(input);
      const context = `${name} after ${changes.join(', ')}`;
      if (reference.success) {
        accepted += 1;
        expect(fast, context).toEqual(reference.data);
      } else {
        rejected += 1;
        expect(fast, context).toBe(INVALID);
        // A rejected value is left exactly as it was.
        expect(input, context).toEqual(object);
      }
      // parseUpdate agrees too, through the envelope.
      const result = safeParseUpdate({ ...structuredClone(update), object: structuredClone(object) });
      expect(result.success, context).toBe(reference.success);
    }
    // Both branches must have been exercised for the comparison to mean anything.
    expect(accepted).toBeGreaterThan(500);
    expect(rejected).toBeGreaterThan(500);
  });

  test('the envelope check answers what the envelope schema answers', () => {
    const random = seededRandom(7);
    const parser = fastParser(vkEnvelopeSchema);
    for (const { update } of allSampleUpdates()) {
      for (let round = 0; round < 40; round += 1) {
        const envelope = structuredClone(update);
        const points = Object.keys(envelope);
        const key = points[Math.floor(random() * points.length)] as string;
        envelope[key] = structuredClone(REPLACEMENTS[Math.floor(random() * REPLACEMENTS.length)]);
        const reference = vkEnvelopeSchema.safeParse(structuredClone(envelope)).success;
        expect(parser(envelope) !== INVALID, `${key} = ${JSON.stringify(envelope[key])}`).toBe(reference);
      }
    }
  });

  test('trusted mode never throws, whatever it is given', () => {
    const random = seededRandom(99);
    const fixtures = allSampleUpdates();
    for (let round = 0; round < 1000; round += 1) {
      const { update } = fixtures[round % fixtures.length] as (typeof fixtures)[number];
      const object = structuredClone(update.object) as Json;
      mutate(object, random);
      mutate(object, random);
      expect(() => fastParser(schemaOf(update.type as string), { trusted: true })(object)).not.toThrow();
    }
    for (const value of REPLACEMENTS) {
      expect(() =>
        fastParser(schemaOf('message_new'), { trusted: true })(structuredClone(value)),
      ).not.toThrow();
    }
  });
});

describe('schemas the generator cannot handle still parse correctly', () => {
  test('with code generation off (zod jitless mode) zod parses and the result is the same', () => {
    z.config({ jitless: true });
    for (const { update } of allSampleUpdates()) {
      const schema = schemaOf(update.type as string);
      expect(fastParser(schema)(structuredClone(update.object))).toEqual(
        schema.parse(structuredClone(update.object)),
      );
      expect(fastParser(schema)('not an object')).toBe(INVALID);
    }
  });

  test('a schema with a construct the generator does not know falls back to zod', () => {
    const stripping = z.object({ id: z.number().int().min(1), tags: z.array(z.string()).max(2) });
    const parser = fastParser(stripping);
    expect(parser({ id: 3, tags: ['a'], extra: 1 })).toEqual({ id: 3, tags: ['a'] });
    expect(parser({ id: 0, tags: [] })).toBe(INVALID);
    expect(parser({ id: 1, tags: ['a', 'b', 'c'] })).toBe(INVALID);
  });
});
