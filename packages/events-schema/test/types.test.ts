import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  isAttachmentOf,
  parseUpdate,
  type VkAttachmentOf,
  type VkEventMap,
  type VkMessage,
  type VkMessageAttachment,
  type VkParsedUpdate,
  type VkUnknownAttachment,
  type VkUnknownEventType,
  type VkUnknownUpdate,
  type VkUpdateOf,
} from '../src/index.js';
import { fixture } from './helpers.js';

// The type assertions here are checked by `tsc` (the package's `typecheck`): a wrong narrowing or a
// missing `@ts-expect-error` error fails the build. The runtime parts run under vitest as usual.

type Json = Record<string, unknown>;

function onAnyUpdate(update: VkParsedUpdate): string {
  if (update.type === 'message_new') {
    expectTypeOf(update).toEqualTypeOf<VkUpdateOf<'message_new'>>();
    return update.object.message.text;
  }
  switch (update.type) {
    case 'group_join':
      expectTypeOf(update).toEqualTypeOf<VkUpdateOf<'group_join'>>();
      return update.object.join_type;
    case 'message_event':
    case 'message_reaction_event':
      expectTypeOf(update).toEqualTypeOf<
        VkUpdateOf<'message_event'> | VkUpdateOf<'message_reaction_event'>
      >();
      return String(update.object.peer_id);
    default:
      // Known types not handled above and the unknown variant remain; the unknown type is a string.
      expectTypeOf(update).toExtend<VkParsedUpdate>();
      return update.type;
  }
}

function onUnknown(update: VkUnknownUpdate): string {
  expectTypeOf(update.type).toEqualTypeOf<VkUnknownEventType>();
  expectTypeOf(update.type).toExtend<string>();
  // @ts-expect-error an unknown update's type never equals a known type, so this cannot be an unknown update
  if (update.type === 'message_new') return 'unreachable';
  return update.type.toUpperCase();
}

function attachmentKind(item: VkMessageAttachment): string {
  switch (item.type) {
    case 'photo':
      expectTypeOf(item).toEqualTypeOf<VkAttachmentOf<'photo'>>();
      return `photo ${item.photo.id}`;
    case 'wall':
      return `post ${item.wall.owner_id ?? item.wall.to_id}_${item.wall.id}`;
    default:
      if (item.type === 'doc') return `doc ${item.doc.id}`;
      return item.type;
  }
}

function unknownAttachment(item: VkUnknownAttachment): string {
  expectTypeOf(item.type).toExtend<string>();
  // @ts-expect-error an unknown attachment's type never equals a known type
  if (item.type === 'sticker') return 'unreachable';
  return item.type;
}

function noTypos(message: VkMessage, object: VkEventMap['message_new']): void {
  expectTypeOf(message.text).toEqualTypeOf<string>();
  // @ts-expect-error a misspelt field does not compile (the types have no index signature)
  void object.message.txet;
  // @ts-expect-error nor on the event object itself
  void object.clientinfo;
  // @ts-expect-error nor on an attachment object
  for (const item of message.attachments) if (isAttachmentOf(item, 'photo')) void item.photo.ownerid;
}

describe('parsed updates are typed for catch-all handlers', () => {
  test('a comparison on type narrows a parsed update to its variant, and unknown types stay strings', () => {
    const known = parseUpdate(fixture('events/message_new.plain.json'));
    expect(onAnyUpdate(known)).toBe(
      fixture<{ object: { message: { text: string } } }>('events/message_new.plain.json').object.message.text,
    );
    const unknown = parseUpdate({ type: 'brand_new_event', object: { x: 1 }, group_id: 1, event_id: 'e1' });
    expect(onAnyUpdate(unknown)).toBe('brand_new_event');
    expect(onUnknown(unknown as VkUnknownUpdate)).toBe('BRAND_NEW_EVENT');
  });

  test('a switch on an attachment type narrows to its variant, and unknown attachment types stay strings', () => {
    const raw = fixture<{ object: { message: Json } }>('events/message_new.wall_to_id.json');
    (raw.object.message.attachments as Json[]).push({ type: 'clip', clip: { id: 5, owner_id: -1 } });
    const update = parseUpdate(raw);
    if (update.type !== 'message_new') throw new Error('expected message_new');
    expect(update.object.message.attachments.map(attachmentKind)).toEqual(['post -218734561_318', 'clip']);
    expect(unknownAttachment(update.object.message.attachments[1] as VkUnknownAttachment)).toBe('clip');
  });

  test('fields the types do not declare are still kept at run time', () => {
    const raw = fixture<{ object: { message: Json } }>('events/message_new.plain.json');
    raw.object.message.txet = 'kept';
    const update = parseUpdate(raw);
    if (update.type !== 'message_new') throw new Error('expected message_new');
    noTypos(update.object.message, update.object);
    expect((update.object.message as unknown as Json).txet).toBe('kept');
  });
});
