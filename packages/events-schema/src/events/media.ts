import * as z from 'zod';
import { vkAudioSchema, vkPhotoSchema, vkVideoSchema } from '../media.js';
import { vkObject } from '../vk-object.js';
import { vkCommentSchema } from '../wall.js';

/** A comment on a photo (`photo_comment_new`, `_edit`, `_restore`). */
export const vkPhotoCommentSchema = vkCommentSchema.extend({
  photo_id: z.number(),
  photo_owner_id: z.number(),
});

/** A deleted photo comment (`photo_comment_delete`). */
export const vkPhotoCommentDeleteSchema = vkObject({
  owner_id: z.number(),
  id: z.number(),
  user_id: z.number().optional(),
  deleter_id: z.number().optional(),
  photo_id: z.number(),
});

/** A comment on a video (`video_comment_new`, `_edit`, `_restore`). */
export const vkVideoCommentSchema = vkCommentSchema.extend({
  video_id: z.number(),
  video_owner_id: z.number(),
});

/** A deleted video comment (`video_comment_delete`). */
export const vkVideoCommentDeleteSchema = vkObject({
  owner_id: z.number(),
  id: z.number(),
  user_id: z.number().optional(),
  deleter_id: z.number().optional(),
  video_id: z.number(),
});

/** Photo, audio and video events: `type` → object schema. */
export const vkMediaEvents = {
  photo_new: vkPhotoSchema,
  photo_comment_new: vkPhotoCommentSchema,
  photo_comment_edit: vkPhotoCommentSchema,
  photo_comment_restore: vkPhotoCommentSchema,
  photo_comment_delete: vkPhotoCommentDeleteSchema,
  audio_new: vkAudioSchema,
  video_new: vkVideoSchema,
  video_comment_new: vkVideoCommentSchema,
  video_comment_edit: vkVideoCommentSchema,
  video_comment_restore: vkVideoCommentSchema,
  video_comment_delete: vkVideoCommentDeleteSchema,
} as const;
