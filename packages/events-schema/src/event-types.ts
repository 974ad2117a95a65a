// The known event types as a plain list, with no zod: what a transport needs at import (an option
// check such as GroupLongPoll's `eventTypes`) without loading the schemas. Exported as the
// `@vkwire/events-schema/event-types` entry; a test checks it against the keys of `vkEventSchemas`.
import type { VkEventType } from './event-map.js';

const TYPES = [
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
  'group_join',
  'group_leave',
  'group_officers_edit',
  'group_change_settings',
  'group_change_photo',
  'user_block',
  'user_unblock',
  'poll_vote_new',
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
] as const;

// Compile-time: the list names every type of the event map and nothing else.
type Listed = (typeof TYPES)[number];
const everyTypeListed: [Exclude<VkEventType, Listed>, Exclude<Listed, VkEventType>] extends [never, never]
  ? true
  : false = true;
void everyTypeListed;

/** Every known event type, in the order of the event map; the same list as the main entry's `VK_EVENT_TYPES`. */
export const VK_EVENT_TYPES: readonly VkEventType[] = Object.freeze([...TYPES]);

const known: ReadonlySet<string> = new Set(TYPES);

/**
 * Whether `type` is a known event type; the same answer as `isKnownEventType` of the main entry,
 * without loading zod and the schemas.
 *
 * @example
 * import { isKnownEventType } from '@vkwire/events-schema/event-types';
 * if (!isKnownEventType(name)) throw new Error(`unknown event type ${name}`);
 */
export function isKnownEventType(type: string): type is VkEventType {
  return known.has(type);
}

// The conversation an update belongs to (no zod either): transports order updates by it.
export { updateOrderKey } from './order-key.js';
