/**
 * Event flags `groups.setCallbackSettings` accepts at API 5.199 (vk-protocol §5.5). The flag
 * name is the event type it switches.
 */
export const CALLBACK_EVENT_FLAGS = [
  'message_new',
  'message_reply',
  'message_allow',
  'message_edit',
  'message_deny',
  'message_typing_state',
  'message_read',
  'message_event',
  'message_reaction_event',
  'photo_new',
  'audio_new',
  'video_new',
  'wall_reply_new',
  'wall_reply_edit',
  'wall_reply_delete',
  'wall_reply_restore',
  'wall_post_new',
  'wall_repost',
  'wall_schedule_post_new',
  'wall_schedule_post_delete',
  'board_post_new',
  'board_post_edit',
  'board_post_restore',
  'board_post_delete',
  'photo_comment_new',
  'photo_comment_edit',
  'photo_comment_delete',
  'photo_comment_restore',
  'video_comment_new',
  'video_comment_edit',
  'video_comment_delete',
  'video_comment_restore',
  'market_comment_new',
  'market_comment_edit',
  'market_comment_delete',
  'market_comment_restore',
  'market_order_new',
  'market_order_edit',
  'poll_vote_new',
  'group_join',
  'group_leave',
  'group_change_settings',
  'group_change_photo',
  'group_officers_edit',
  'user_block',
  'user_unblock',
  'lead_forms_new',
  'like_add',
  'like_remove',
  'donut_subscription_create',
  'donut_subscription_prolonged',
  'donut_subscription_cancelled',
  'donut_subscription_price_changed',
  'donut_subscription_expired',
  'donut_money_withdraw',
  'donut_money_withdraw_error',
] as const;

/** Flags the Callback list has but `groups.setLongPollSettings` does not take at 5.199. */
const CALLBACK_ONLY: ReadonlySet<string> = new Set([
  'lead_forms_new',
  'market_order_new',
  'market_order_edit',
  'wall_schedule_post_new',
  'wall_schedule_post_delete',
]);

/** Event flags `groups.setLongPollSettings` accepts at API 5.199. */
export const LONG_POLL_EVENT_FLAGS: readonly string[] = CALLBACK_EVENT_FLAGS.filter(
  (flag) => !CALLBACK_ONLY.has(flag),
);

/** A map of every given flag to the same value. */
export function allFlags(flags: readonly string[], value: 0 | 1): Record<string, 0 | 1> {
  return Object.fromEntries(flags.map((flag) => [flag, value]));
}
