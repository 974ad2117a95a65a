import * as z from 'zod';
import { vkObject } from '../vk-object.js';
import { openEnum } from '../vk-values.js';
import { vkCommentSchema, vkPostSchema } from '../wall.js';

/** A scheduled post created or deleted (`wall_schedule_post_new`, `_delete`). */
export const vkWallSchedulePostSchema = vkObject({
  id: z.number(),
  schedule_time: z.number().optional(),
});

/** A comment on a wall post (`wall_reply_new`, `_edit`, `_restore`). */
export const vkWallReplySchema = vkCommentSchema.extend({
  post_id: z.number(),
  post_owner_id: z.number(),
});

/** A deleted wall comment (`wall_reply_delete`). */
export const vkWallReplyDeleteSchema = vkObject({
  owner_id: z.number(),
  id: z.number(),
  deleter_id: z.number().optional(),
  post_id: z.number(),
  user_id: z.number().optional(),
});

/**
 * A like set or removed (`like_add`, `like_remove`). `post_id` is the parent post when a comment was
 * liked (0 otherwise).
 */
export const vkLikeSchema = vkObject({
  liker_id: z.number(),
  object_type: openEnum([
    'post',
    'video',
    'photo',
    'comment',
    'note',
    'topic_comment',
    'photo_comment',
    'video_comment',
    'market',
    'market_comment',
  ]),
  object_owner_id: z.number(),
  object_id: z.number(),
  thread_reply_id: z.number().optional(),
  post_id: z.number().optional(),
});

/** A comment in a board topic (`board_post_new`, `_edit`, `_restore`). */
export const vkBoardPostSchema = vkCommentSchema.extend({
  topic_id: z.number(),
  topic_owner_id: z.number(),
});

/** A deleted board comment (`board_post_delete`). */
export const vkBoardPostDeleteSchema = vkObject({
  topic_owner_id: z.number(),
  topic_id: z.number(),
  id: z.number(),
});

/** Wall, like and board events: `type` → object schema. */
export const vkWallEvents = {
  wall_post_new: vkPostSchema,
  wall_repost: vkPostSchema,
  wall_schedule_post_new: vkWallSchedulePostSchema,
  wall_schedule_post_delete: vkWallSchedulePostSchema,
  wall_reply_new: vkWallReplySchema,
  wall_reply_edit: vkWallReplySchema,
  wall_reply_restore: vkWallReplySchema,
  wall_reply_delete: vkWallReplyDeleteSchema,
  like_add: vkLikeSchema,
  like_remove: vkLikeSchema,
  board_post_new: vkBoardPostSchema,
  board_post_edit: vkBoardPostSchema,
  board_post_restore: vkBoardPostSchema,
  board_post_delete: vkBoardPostDeleteSchema,
} as const;
