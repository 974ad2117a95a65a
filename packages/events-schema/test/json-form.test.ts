import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as z from 'zod';
import {
  EVENT_SCHEMA_VERSION,
  eventJsonSchema,
  normalizeSync,
  parseEvent,
  parseUpdate,
  serializeEvent,
  VkwireEventParseError,
} from '../src/index.js';
import { allSampleUpdates, fixture } from './helpers.js';

const COMMITTED = new URL('../event.schema.json', import.meta.url);

function chatMessageEvent(): Record<string, unknown> {
  return JSON.parse(
    serializeEvent(normalizeSync(parseUpdate(fixture('events/message_new.chat_reply.json')))),
  );
}

describe('the committed JSON Schema', () => {
  test('event.schema.json matches the zod schema (run `pnpm gen:schema` after changing the event)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(`${JSON.stringify(eventJsonSchema(), null, 2)}\n`);
  });

  // What a service in another language does with the file: validate events read from the bus.
  const validator = z.fromJSONSchema(JSON.parse(readFileSync(COMMITTED, 'utf8')));

  test('accepts the JSON form of every normalized fixture', () => {
    for (const { name, update } of allSampleUpdates()) {
      const event = JSON.parse(serializeEvent(normalizeSync(parseUpdate(update))));
      expect(validator.safeParse(event).success, name).toBe(true);
    }
  });

  test.each([
    [
      'a wrong id type',
      (event: Record<string, unknown>) => Object.assign(event.peer as object, { bpid: '4' }),
    ],
    ['a missing message', (event: Record<string, unknown>) => delete event.message],
    [
      'an unknown event_type',
      (event: Record<string, unknown>) => Object.assign(event, { event_type: 'poke' }),
    ],
    [
      'a field the version does not have',
      (event: Record<string, unknown>) => Object.assign(event, { extra: 1 }),
    ],
    [
      'another schema_version',
      (event: Record<string, unknown>) => Object.assign(event, { schema_version: 2 }),
    ],
  ])('rejects an event with %s', (_label, breakIt) => {
    const event = chatMessageEvent();
    breakIt(event);
    expect(validator.safeParse(event).success).toBe(false);
  });

  test('documents every event_type', () => {
    const schema = eventJsonSchema() as { oneOf: Array<{ properties: { event_type: { const: string } } }> };
    expect(schema.oneOf.map((variant) => variant.properties.event_type.const).sort()).toEqual([
      'allow',
      'button',
      'command',
      'deny',
      'edit',
      'join',
      'leave',
      'message',
      'raw',
      'reaction',
      'reply',
      'service',
      'typing',
    ]);
  });
});

describe('the JSON form of an event', () => {
  test('is snake_case with a fixed key order and the schema version first', () => {
    const event = chatMessageEvent();
    expect(Object.keys(event)).toEqual([
      'schema_version',
      'event_id',
      'event_type',
      'vk_type',
      'group_id',
      'date',
      'peer',
      'user',
      'message',
      'raw',
    ]);
    expect(event.schema_version).toBe(EVENT_SCHEMA_VERSION);
    expect(Object.keys(event.peer as object)).toEqual(['bpid', 'cid', 'name']);
    expect(Object.keys(event.user as object)).toEqual(['uuid', 'name', 'firstname', 'lastname', 'nick']);
    expect(Object.keys(event.message as object)).toEqual([
      'cmid',
      'text',
      'reply',
      'forward',
      'attachments',
      'payload',
    ]);
  });

  test('reads back to an equal event, from text or from a parsed value', () => {
    const event = normalizeSync(parseUpdate(fixture('events/message_event.json')));
    expect(parseEvent(serializeEvent(event))).toEqual(event);
    expect(parseEvent(JSON.parse(serializeEvent(event)))).toEqual(event);
  });
});

describe('reading an event back reports what is wrong', () => {
  function rejection(input: unknown): VkwireEventParseError {
    try {
      parseEvent(input);
    } catch (error) {
      if (error instanceof VkwireEventParseError) return error;
      throw error;
    }
    throw new Error('expected the event to be rejected');
  }

  test('text that is not JSON', () => {
    const error = rejection('{"event_type":');
    expect(error.name).toBe('VkwireEventParseError');
    expect(error.code).toBe('invalid_json');
  });

  test('an event from a newer schema version', () => {
    const event = chatMessageEvent();
    event.schema_version = 2;
    const error = rejection(event);
    expect(error.code).toBe('unsupported_schema_version');
    expect(error.message).toContain('schema_version 1');
  });

  test('an event with a wrong field, with its path', () => {
    const event = chatMessageEvent();
    (event.message as Record<string, unknown>).cmid = 'x';
    const error = rejection(event);
    expect(error.code).toBe('invalid_event');
    expect(error.path).toEqual(['message', 'cmid']);
    expect(error.message).toContain('at message.cmid');
  });
});
