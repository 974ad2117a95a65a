import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  isAttachmentOf,
  isKnownUpdate,
  isUpdateOf,
  type OpenEnum,
  parseUpdate,
  type VkEventMap,
  type VkEventType,
  type VkMessageAttachment,
  type VkParsedUpdate,
  type VkPhoto,
  type VkUpdate,
  type VkUpdateOf,
  type VkwireEventOf,
  vkEventSchemas,
} from '../src/index.js';
import { fixture } from './helpers.js';

// Every community event type in VK's documentation for API 5.199 (the Callback/Long Poll event list
// plus vkpay_transaction and app_payload, which have no settings flag).
const DOCUMENTED_TYPES = [
  'message_new',
  'message_reply',
  'message_edit',
  'message_allow',
  'message_deny',
  'message_typing_state',
  'message_read',
  'message_event',
  'message_reaction_event',
  'photo_new',
  'photo_comment_new',
  'photo_comment_edit',
  'photo_comment_restore',
  'photo_comment_delete',
  'audio_new',
  'video_new',
  'video_comment_new',
  'video_comment_edit',
  'video_comment_restore',
  'video_comment_delete',
  'wall_post_new',
  'wall_repost',
  'wall_schedule_post_new',
  'wall_schedule_post_delete',
  'wall_reply_new',
  'wall_reply_edit',
  'wall_reply_restore',
  'wall_reply_delete',
  'like_add',
  'like_remove',
  'board_post_new',
  'board_post_edit',
  'board_post_restore',
  'board_post_delete',
  'market_comment_new',
  'market_comment_edit',
  'market_comment_restore',
  'market_comment_delete',
  'market_order_new',
  'market_order_edit',
  'group_leave',
  'group_join',
  'user_block',
  'user_unblock',
  'poll_vote_new',
  'group_officers_edit',
  'group_change_settings',
  'group_change_photo',
  'vkpay_transaction',
  'app_payload',
  'lead_forms_new',
  'donut_subscription_create',
  'donut_subscription_prolonged',
  'donut_subscription_expired',
  'donut_subscription_cancelled',
  'donut_subscription_price_changed',
  'donut_money_withdraw',
  'donut_money_withdraw_error',
];

describe('the event map', () => {
  test('has a schema for every documented community event type and nothing else', () => {
    expect(Object.keys(vkEventSchemas).sort()).toEqual([...DOCUMENTED_TYPES].sort());
  });

  test('types a handler for one event type exactly (checked by tsc)', () => {
    expectTypeOf<VkEventMap['message_new']['message']['text']>().toEqualTypeOf<string>();
    expectTypeOf<VkEventMap['message_new']['message']['out']>().toEqualTypeOf<boolean>();
    expectTypeOf<VkEventMap['message_new']['message']['important']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<VkEventMap['message_new']['message']['attachments']>().toEqualTypeOf<
      VkMessageAttachment[]
    >();
    expectTypeOf<VkUpdateOf<'group_join'>['object']['join_type']>().toEqualTypeOf<
      OpenEnum<'join' | 'unsure' | 'accepted' | 'approved' | 'request'>
    >();
    expectTypeOf<VkUpdateOf<'message_event'>['type']>().toEqualTypeOf<'message_event'>();
    expectTypeOf<VkUpdate['type']>().toEqualTypeOf<VkEventType>();
    expectTypeOf<VkwireEventOf<'command'>['command']['name']>().toEqualTypeOf<string>();
  });

  test('guards narrow a parsed update to its type (checked by tsc, run here)', () => {
    const update: VkParsedUpdate = parseUpdate(fixture('events/message_new.photo_doc.json'));
    if (isKnownUpdate(update)) {
      switch (update.type) {
        case 'message_new':
          expectTypeOf(update.object.message.peer_id).toEqualTypeOf<number>();
          break;
        case 'group_join':
          expectTypeOf(update.object.user_id).toEqualTypeOf<number>();
          break;
      }
    }
    expect(isUpdateOf(update, 'message_new')).toBe(true);
    expect(isUpdateOf(update, 'message_reply')).toBe(false);
    if (!isUpdateOf(update, 'message_new')) throw new Error('expected message_new');
    const [first] = update.object.message.attachments;
    if (!first || !isAttachmentOf(first, 'photo')) throw new Error('expected a photo');
    expectTypeOf(first.photo).toEqualTypeOf<VkPhoto>();
    expect(first.photo.id).toBe(457241337);
  });
});
