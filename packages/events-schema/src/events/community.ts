import * as z from 'zod';
import { vkPhotoSchema } from '../media.js';
import { vkObject } from '../vk-object.js';
import { openEnum, vkBoolean, vkJsonValue } from '../vk-values.js';

/**
 * `group_join`: `join_type` is `join`, `unsure` (events), `accepted` (an invitation),
 * `approved` (a request approved) or `request` (applied to a closed community).
 */
export const vkGroupJoinSchema = vkObject({
  user_id: z.number(),
  join_type: openEnum(['join', 'unsure', 'accepted', 'approved', 'request']),
});

/** `group_leave`: `self` is `true` when the user left, `false` when removed. */
export const vkGroupLeaveSchema = vkObject({
  user_id: z.number(),
  self: vkBoolean.optional(),
});

/** `group_officers_edit`: levels 0 none, 1 moderator, 2 editor, 3 administrator. */
export const vkGroupOfficersEditSchema = vkObject({
  admin_id: z.number(),
  user_id: z.number(),
  level_old: z.number(),
  level_new: z.number(),
});

/** `group_change_settings`: `changes` maps each changed setting to `{ old_value, new_value }`. */
export const vkGroupChangeSettingsSchema = vkObject({
  user_id: z.number(),
  changes: z
    .record(z.string(), vkObject({ old_value: vkJsonValue.optional(), new_value: vkJsonValue.optional() }))
    .optional(),
});

/** `group_change_photo`: the community's main photo changed. */
export const vkGroupChangePhotoSchema = vkObject({
  user_id: z.number(),
  photo: vkPhotoSchema,
});

/**
 * `user_block`: `unblock_date` 0 probably means forever; `reason` 0 other, 1 spam, 2 insulting
 * members, 3 obscene language, 4 off-topic (labels unconfirmed).
 */
export const vkUserBlockSchema = vkObject({
  admin_id: z.number(),
  user_id: z.number(),
  unblock_date: z.number().optional(),
  reason: z.number().optional(),
  comment: z.string().optional(),
});

/** `user_unblock`: `by_end_date` is `true` when the block simply expired (unconfirmed), `false` when an admin lifted it. */
export const vkUserUnblockSchema = vkObject({
  admin_id: z.number(),
  user_id: z.number(),
  by_end_date: vkBoolean.optional(),
});

/** `poll_vote_new`: a vote in a poll. */
export const vkPollVoteNewSchema = vkObject({
  owner_id: z.number(),
  poll_id: z.number(),
  option_id: z.number(),
  user_id: z.number(),
});

/** `vkpay_transaction`: a VK Pay transfer to the community; `amount` in thousandths of a ruble. */
export const vkVkpayTransactionSchema = vkObject({
  from_id: z.number(),
  amount: z.number(),
  description: z.string().optional(),
  date: z.number().optional(),
});

/** `app_payload`: an event sent by a VK Mini App installed in the community. */
export const vkAppPayloadSchema = vkObject({
  user_id: z.number(),
  app_id: z.number(),
  payload: vkJsonValue.optional(),
  group_id: z.number().optional(),
});

/** `lead_forms_new`: a lead form was filled in. */
export const vkLeadFormsNewSchema = vkObject({
  lead_id: z.number(),
  group_id: z.number().optional(),
  user_id: z.number(),
  form_id: z.number(),
  form_name: z.string().optional(),
  ad_id: z.number().optional(),
  answers: z
    .array(vkObject({ key: z.string(), question: z.string().optional(), answer: vkJsonValue.optional() }))
    .optional(),
});

/** Community membership, management, poll, payment and Mini App events: `type` → object schema. */
export const vkCommunityEvents = {
  group_join: vkGroupJoinSchema,
  group_leave: vkGroupLeaveSchema,
  group_officers_edit: vkGroupOfficersEditSchema,
  group_change_settings: vkGroupChangeSettingsSchema,
  group_change_photo: vkGroupChangePhotoSchema,
  user_block: vkUserBlockSchema,
  user_unblock: vkUserUnblockSchema,
  poll_vote_new: vkPollVoteNewSchema,
  vkpay_transaction: vkVkpayTransactionSchema,
  app_payload: vkAppPayloadSchema,
  lead_forms_new: vkLeadFormsNewSchema,
} as const;
