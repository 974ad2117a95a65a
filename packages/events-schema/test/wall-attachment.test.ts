import { describe, expect, test } from 'vitest';
import { generateParser, INVALID } from '../src/fast-path.js';
import {
  isAttachmentOf,
  normalizeSync,
  parseUpdate,
  safeParseUpdate,
  vkAttachedPostSchema,
  vkEventSchemas,
} from '../src/index.js';
import { fixture } from './helpers.js';

// VK sends some posts inside messages with `to_id` and no `owner_id` (vk-io reads `owner_id || to_id`).
// Such a message must parse, and its attachment string must name the post's wall, with validation on
// (the generated checker) and off (normalization only).

type Json = Record<string, unknown>;
const FIXTURE = 'events/message_new.wall_to_id.json';
const EXPECTED = 'wall-218734561_318_8f6a0c2d4b1e3a5c7e';

function wallPost(raw: Json): Json {
  const message = (raw.object as { message: { attachments: Json[] } }).message;
  return message.attachments[0]?.wall as Json;
}

describe('a post inside a message sent with to_id instead of owner_id', () => {
  test('is accepted and keeps to_id, and its attachment string is built from to_id', () => {
    const update = parseUpdate(fixture(FIXTURE));
    if (update.type !== 'message_new') throw new Error('expected message_new');
    const [item] = update.object.message.attachments;
    if (!item || !isAttachmentOf(item, 'wall')) throw new Error('expected a wall attachment');
    expect(item.wall.to_id).toBe(-218734561);
    expect(item.wall.owner_id).toBeUndefined();
    expect(item.wall.marked_as_ads).toBe(false);
    const event = normalizeSync(update);
    expect(event.event_type).toBe('message');
    expect(event.event_type === 'message' && event.message.attachments).toEqual([EXPECTED]);
  });

  test('with validation off its attachment string is built from to_id as well', () => {
    const update = parseUpdate(fixture(FIXTURE), { validate: false });
    const event = normalizeSync(update);
    expect(event.event_type === 'message' && event.message.attachments).toEqual([EXPECTED]);
  });

  test('the generated checker accepts it (no fallback to zod) and agrees with zod', () => {
    const raw = fixture(FIXTURE);
    const object = raw.object as Json;
    expect(vkEventSchemas.message_new.safeParse(structuredClone(object)).success).toBe(true);
    expect(generateParser(vkEventSchemas.message_new)(object)).not.toBe(INVALID);
  });

  test('owner_id still wins when both are present', () => {
    const raw = fixture(FIXTURE);
    wallPost(raw).owner_id = -1;
    const event = normalizeSync(parseUpdate(raw));
    expect(event.event_type === 'message' && event.message.attachments).toEqual([
      'wall-1_318_8f6a0c2d4b1e3a5c7e',
    ]);
  });

  test('a post with neither owner_id nor to_id is rejected at its path, by the fast path and by zod', () => {
    const raw = fixture(FIXTURE);
    delete wallPost(raw).to_id;
    expect(vkAttachedPostSchema.safeParse(wallPost(raw)).success).toBe(false);
    expect(generateParser(vkEventSchemas.message_new)(structuredClone(raw.object))).toBe(INVALID);
    const result = safeParseUpdate(raw);
    expect(result.error?.code).toBe('invalid_object');
    expect(result.error?.path).toEqual(['object', 'message', 'attachments', 0, 'wall', 'owner_id']);
  });
});
