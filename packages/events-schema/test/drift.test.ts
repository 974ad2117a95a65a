import { inspect } from 'node:util';
import { VK_API_VERSION } from '@vkwire/core';
import { describe, expect, test } from 'vitest';
import {
  isAttachmentOf,
  isKnownUpdate,
  isUpdateOf,
  normalizeSync,
  parseUpdate,
  safeParseUpdate,
  VkUpdateParseError,
} from '../src/index.js';
import { allFixtureUpdates, fixture } from './helpers.js';

type Json = Record<string, unknown>;

function messageNew(
  name = 'message_new.plain.json',
): Json & { object: { message: Json; client_info: Json } } {
  return fixture(`events/${name}`);
}

/** A field the types do not declare, read from a parsed object. */
function extra(object: object | undefined, key: string): unknown {
  return (object as Json | undefined)?.[key];
}

function expectParseError(value: unknown): VkUpdateParseError {
  const result = safeParseUpdate(value);
  if (result.success) throw new Error('expected the update to be rejected');
  return result.error;
}

describe('VK adding fields does not break parsing', () => {
  test('unknown fields at every level are kept, untouched', () => {
    const raw = messageNew('message_new.photo_doc.json');
    raw.shiny_envelope_field = { since: '5.200' };
    (raw.object as Json).new_object_field = [1, 2];
    raw.object.message.brand_new = 'x';
    raw.object.client_info.supports_holograms = true;
    const attachments = raw.object.message.attachments as Json[];
    (attachments[0] as Json).new_attachment_key = 7;
    ((attachments[0] as Json).photo as Json).orig_photo = { url: 'https://example.org/o.jpg' };
    const update = parseUpdate(raw);
    if (!isUpdateOf(update, 'message_new')) throw new Error('expected message_new');
    expect((update as unknown as Json).shiny_envelope_field).toEqual({ since: '5.200' });
    // Kept at run time, though the types name only declared fields (so typos do not compile).
    expect(extra(update.object, 'new_object_field')).toEqual([1, 2]);
    expect(extra(update.object.message, 'brand_new')).toBe('x');
    expect(extra(update.object.client_info, 'supports_holograms')).toBe(true);
    const [photo] = update.object.message.attachments;
    expect(extra(photo, 'new_attachment_key')).toBe(7);
    if (!photo || !isAttachmentOf(photo, 'photo')) throw new Error('expected a photo');
    expect(extra(photo.photo, 'orig_photo')).toEqual({ url: 'https://example.org/o.jpg' });
  });

  test('unknown fields inside nested forwards are kept', () => {
    const raw = messageNew('message_new.chat_fwd.json');
    const forwards = raw.object.message.fwd_messages as Json[];
    const nested = ((forwards[1] as Json).fwd_messages as Json[])[0] as Json;
    nested.reactions_v2 = { count: 3 };
    const update = parseUpdate(raw);
    if (!isUpdateOf(update, 'message_new')) throw new Error('expected message_new');
    expect(extra(update.object.message.fwd_messages[1]?.fwd_messages?.[0], 'reactions_v2')).toEqual({
      count: 3,
    });
  });

  test('fields VK may leave out get defaults or stay absent instead of failing', () => {
    const raw = messageNew();
    delete raw.object.message.attachments;
    delete raw.object.message.fwd_messages;
    delete raw.object.message.important;
    delete (raw.object as Json).client_info;
    delete raw.v;
    const update = parseUpdate(raw);
    if (!isUpdateOf(update, 'message_new')) throw new Error('expected message_new');
    expect(update.object.message.attachments).toEqual([]);
    expect(update.object.message.fwd_messages).toEqual([]);
    expect(update.object.message.important).toBeUndefined();
    expect(update.object.client_info).toBeUndefined();
    expect(update.v).toBeUndefined();
  });
});

describe('VK adding enum values does not break parsing', () => {
  test.each([
    ['group_join.json', ['object', 'join_type'], 'invited_by_bot'],
    ['message_typing_state.json', ['object', 'state'], 'video_note'],
    ['like_add.json', ['object', 'object_type'], 'clip'],
    ['wall_post_new.json', ['object', 'post_type'], 'clip'],
    ['message_new.chat_invite_user.json', ['object', 'message', 'action', 'type'], 'chat_style_update'],
    [
      'message_new.audio_message.json',
      ['object', 'message', 'attachments', 0, 'audio_message', 'transcript_state'],
      'partial',
    ],
    ['message_reply.json', ['object', 'keyboard', 'buttons', 0, 0, 'color'], 'amber'],
    ['message_reply.json', ['object', 'keyboard', 'buttons', 0, 1, 'action', 'type'], 'open_hologram'],
  ] as const)('%s accepts a new value at %j', (name, path, value) => {
    const raw = fixture(`events/${name}`);
    let target: Record<string | number, unknown> = raw;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    target[path[path.length - 1] as string | number] = value;
    const update = parseUpdate(raw);
    let read: unknown = update;
    for (const key of path) read = (read as Record<string | number, unknown>)[key];
    expect(read).toBe(value);
  });

  test('a new button action in client_info is kept', () => {
    const raw = messageNew();
    raw.object.client_info.button_actions = ['text', 'open_hologram'];
    const update = parseUpdate(raw);
    if (!isUpdateOf(update, 'message_new')) throw new Error('expected message_new');
    expect(update.object.client_info?.button_actions).toEqual(['text', 'open_hologram']);
  });

  test('an attachment of a new type is kept as an unknown attachment and still becomes an attachment string', () => {
    const raw = messageNew();
    const clip = { type: 'clip', clip: { id: 5, owner_id: -218734561, access_key: 'ab12', duration: 9 } };
    raw.object.message.attachments = [clip];
    const update = parseUpdate(raw);
    if (!isUpdateOf(update, 'message_new')) throw new Error('expected message_new');
    const [attachment] = update.object.message.attachments;
    expect(attachment).toEqual(clip);
    expect(attachment && isAttachmentOf(attachment, 'photo')).toBe(false);
    const event = normalizeSync(update);
    expect(event.event_type === 'message' && event.message.attachments).toEqual(['clip-218734561_5_ab12']);
  });
});

describe('an unknown event type parses to the unknown variant with its object kept', () => {
  test('the object is returned as VK sent it', () => {
    const object = { user_id: 1, shiny: { nested: [true, 0] }, flag: 1 };
    const raw = { type: 'message_pin_new', object, group_id: 218734561, event_id: 'f00d', v: VK_API_VERSION };
    const update = parseUpdate(raw);
    expect(isKnownUpdate(update)).toBe(false);
    expect(update.type).toBe('message_pin_new');
    expect(update.object).toBe(object);
    expect(update.object).toEqual({ user_id: 1, shiny: { nested: [true, 0] }, flag: 1 });
  });
});

describe('0/1 and true/false are both accepted in boolean-like fields and parse to booleans', () => {
  test.each(allFixtureUpdates().map(({ name, update }) => [name, update] as const))(
    '%s: every JSON boolean sent as 0/1 parses to the same update',
    (_name, raw) => {
      const expected = parseUpdate(structuredClone(raw));
      const asNumbers = JSON.parse(
        JSON.stringify(raw, (_key, value) => (typeof value === 'boolean' ? Number(value) : value)),
      );
      expect(parseUpdate(asNumbers)).toEqual(expected);
    },
  );

  test.each([
    ['message_new.plain.json', ['object', 'message', 'out']],
    ['message_reply.json', ['object', 'out']],
    ['group_leave.json', ['object', 'self']],
    ['wall_post_new.json', ['object', 'marked_as_ads']],
    ['wall_post_new.json', ['object', 'can_edit']],
    ['wall_post_new.json', ['object', 'likes', 'user_likes']],
    ['wall_post_new.json', ['object', 'reposts', 'user_reposted']],
  ] as const)('%s: %j sent as true/false instead of 0/1 parses the same', (name, path) => {
    const raw = fixture(`events/${name}`);
    const expected = parseUpdate(structuredClone(raw));
    let target: Record<string, unknown> = raw;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
    const last = path[path.length - 1] as string;
    expect([0, 1]).toContain(target[last]);
    target[last] = target[last] === 1;
    expect(parseUpdate(raw)).toEqual(expected);
  });

  test('a flag that is neither 0/1 nor a boolean is rejected', () => {
    const raw = messageNew();
    raw.object.message.out = 2;
    expect(expectParseError(raw).path).toEqual(['object', 'message', 'out']);
  });
});

describe('malformed updates give a typed error naming the failing path', () => {
  test('a missing type is an invalid envelope', () => {
    const raw = messageNew();
    delete raw.type;
    const error = expectParseError(raw);
    expect(error).toBeInstanceOf(VkUpdateParseError);
    expect(error.name).toBe('VkUpdateParseError');
    expect(error.code).toBe('invalid_envelope');
    expect(error.path).toEqual(['type']);
    expect(error.eventId).toBe('24179799f04703a4f1f89d34c059d0d535aeac98');
    expect(error.message).toContain('at type:');
  });

  test.each([
    ['a string', 'hello'],
    ['an array', [1, 2]],
    ['null', null],
    ['a number', 7],
  ])('an object that is %s is an invalid envelope at "object"', (_label, value) => {
    const raw = messageNew();
    raw.object = value as never;
    const error = expectParseError(raw);
    expect(error.code).toBe('invalid_envelope');
    expect(error.path).toEqual(['object']);
    expect(error.eventType).toBe('message_new');
  });

  test.each([
    ['group_id', '218734561'],
    ['event_id', undefined],
    ['event_id', 42],
  ])('an envelope with %s = %j is rejected', (key, value) => {
    const raw = messageNew();
    raw[key] = value;
    const error = expectParseError(raw);
    expect(error.code).toBe('invalid_envelope');
    expect(error.path).toEqual([key]);
  });

  test.each([
    ['null', null],
    ['an array', []],
    ['a string', '{"type":"message_new"}'],
    ['undefined', undefined],
  ])('a value that is %s is not an object', (_label, value) => {
    expect(expectParseError(value).code).toBe('not_an_object');
  });

  test('a known type whose object breaks its schema reports the deepest path, type and event_id', () => {
    const raw = messageNew('message_new.photo_doc.json');
    (((raw.object.message.attachments as Json[])[1] as Json).doc as Json).owner_id = 'me';
    const error = expectParseError(raw);
    expect(error.code).toBe('invalid_object');
    expect(error.path).toEqual(['object', 'message', 'attachments', 1, 'doc', 'owner_id']);
    expect(error.eventType).toBe('message_new');
    expect(error.eventId).toBe('a16b3494a05b72528954c25bea095982f3510e1a');
    expect(error.message).toBe(
      'Malformed VK update "message_new" (event_id a16b3494a05b72528954c25bea095982f3510e1a) at object.message.attachments[1].doc.owner_id: Invalid input: expected number, received string',
    );
  });

  test('a required message field missing is reported at its path', () => {
    const raw = messageNew();
    delete raw.object.message.peer_id;
    expect(expectParseError(raw).path).toEqual(['object', 'message', 'peer_id']);
  });

  test('a failed parse leaves the value untouched', () => {
    const raw = messageNew();
    raw.object.message.peer_id = 'nope';
    const before = structuredClone(raw);
    expectParseError(raw);
    expect(raw).toEqual(before);
    expect(raw.object.message.out).toBe(0);
  });

  test('parseUpdate throws the same typed error safeParseUpdate returns', () => {
    expect(() => parseUpdate({ type: 'message_new' })).toThrow(VkUpdateParseError);
  });

  test("the Callback secret never appears in an error's message, issues or inspection", () => {
    const { body } = fixture<{ body: Json & { object: { message: Json } } }>(
      'callback/message_new.retry.http.json',
    );
    body.object.message.text = 404;
    const error = expectParseError(body);
    expect(error.code).toBe('invalid_object');
    for (const text of [
      error.message,
      JSON.stringify(error),
      JSON.stringify(error.issues),
      inspect(error, { depth: 9 }),
    ]) {
      expect(text).not.toContain('s3cr3t_Bodroe_2025');
    }
    const wrong = fixture<Json>('callback/wrong_secret.request.json');
    wrong.secret = 12345;
    wrong.object = 'oops';
    const envelopeError = expectParseError(wrong);
    expect(inspect(envelopeError, { depth: 9 })).not.toContain('12345');
  });

  test('a Callback confirmation request is recognized, not mistaken for a broken update', () => {
    const error = expectParseError(fixture('callback/confirmation.request.json'));
    expect(error.code).toBe('confirmation_request');
    // Also if VK one day sends it with an object and an event_id.
    const fuller = {
      ...fixture('callback/confirmation.request.json'),
      object: {},
      event_id: 'e1',
      v: VK_API_VERSION,
    };
    expect(expectParseError(fuller).code).toBe('confirmation_request');
  });

  test('a rejected Callback body keeps its secret (the caller may still need to check it)', () => {
    const { body } = fixture<{ body: Json & { object: { message: Json } } }>(
      'callback/message_new.retry.http.json',
    );
    body.object.message.peer_id = null;
    expectParseError(body);
    expect(body.secret).toBe('s3cr3t_Bodroe_2025');
  });

  test('a deprecated-API-version warning says how to fix the stream', () => {
    const error = expectParseError(fixture('callback/deprecated_version_warning.json'));
    expect(error.code).toBe('deprecated_api_version');
    expect(error.message).toContain('v 5.80');
    expect(error.message).toContain(`api_version=${VK_API_VERSION}`);
  });

  // VK puts the same `{ warning }` object in place of every event type of an outdated stream.
  const warningFor = (type: string): Json => ({
    group_id: 218734561,
    type,
    event_id: '5d0c2e71a9b84f36c1e8d27a40b9f3e6c5a1d802',
    v: '5.92',
    object: {
      warning: 'You are using a deprecated API version. Read more: https://dev.vk.com/ru/api/version',
    },
  });

  test.each(['donut_subscription_expired', 'donut_subscription_cancelled'])(
    'the warning is reported for %s, whose all-optional schema would accept it',
    (type) => {
      const error = expectParseError(warningFor(type));
      expect(error.code).toBe('deprecated_api_version');
      expect(error.eventType).toBe(type);
    },
  );

  test.each([
    'message_new',
    'message_reply',
    'group_join',
    'donut_subscription_expired',
    'some_event_added_later',
  ])('the warning is reported for %s with validation off too', (type) => {
    const result = safeParseUpdate(warningFor(type), { validate: false });
    expect(result.error?.code).toBe('deprecated_api_version');
  });

  test('an event object that merely has a warning field among its own is still an event', () => {
    const raw = {
      group_id: 218734561,
      type: 'message_event',
      event_id: '9a41c07e3bd25f8e6c17d0a4b2e95f3c8d60a1b7',
      v: VK_API_VERSION,
      object: {
        user_id: 193847562,
        peer_id: 193847562,
        event_id: '3f1a9c0d7e2b',
        payload: { cmd: 'menu' },
        warning: 'shown to the user',
      },
    };
    for (const validate of [true, false]) {
      const update = parseUpdate(structuredClone(raw), { validate });
      expect(update.type).toBe('message_event');
    }
  });
});

describe('validation can be turned off for trusted input', () => {
  test('without validation a well-formed update is normalized exactly as with it', () => {
    for (const { update } of allFixtureUpdates()) {
      expect(parseUpdate(structuredClone(update), { validate: false })).toEqual(
        parseUpdate(structuredClone(update)),
      );
    }
  });

  test('without validation a malformed object passes through instead of throwing', () => {
    const raw = messageNew();
    raw.object.message.peer_id = 'nope';
    raw.object.message.attachments = 'not a list';
    const update = parseUpdate(raw, { validate: false });
    expect((update.object as { message: Json }).message.peer_id).toBe('nope');
    expect((update.object as { message: Json }).message.out).toBe(false);
  });

  test('without validation an envelope that is not an update is still rejected', () => {
    const raw = messageNew();
    raw.object = [] as never;
    expect(safeParseUpdate(raw, { validate: false }).error?.code).toBe('invalid_envelope');
  });
});
