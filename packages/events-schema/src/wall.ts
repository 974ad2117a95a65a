import * as z from 'zod';
import { vkWallAttachmentSchema } from './attachments.js';
import { vkObject } from './vk-object.js';
import { openEnum, vkBoolean } from './vk-values.js';

/** A counter block such as `comments`, `reposts` or `views` on a post. */
const counterSchema = vkObject({ count: z.number().optional() });

const postFields = {
  id: z.number(),
  owner_id: z.number(),
  from_id: z.number(),
  date: z.number(),
  text: z.string().optional(),
  created_by: z.number().optional(),
  signer_id: z.number().optional(),
  post_type: openEnum(['post', 'copy', 'reply', 'postpone', 'suggest']).optional(),
  marked_as_ads: vkBoolean.optional(),
  can_edit: vkBoolean.optional(),
  can_delete: vkBoolean.optional(),
  can_pin: vkBoolean.optional(),
  is_pinned: vkBoolean.optional(),
  is_favorite: vkBoolean.optional(),
  attachments: z.array(vkWallAttachmentSchema).optional(),
  comments: counterSchema.extend({ can_post: vkBoolean.optional() }).optional(),
  likes: counterSchema
    .extend({
      user_likes: vkBoolean.optional(),
      can_like: vkBoolean.optional(),
      can_publish: vkBoolean.optional(),
    })
    .optional(),
  reposts: counterSchema.extend({ user_reposted: vkBoolean.optional() }).optional(),
  views: counterSchema.optional(),
  post_source: vkObject({ type: z.string().optional() }).optional(),
  donut: vkObject({ is_donut: vkBoolean.optional() }).optional(),
  postponed_id: z.number().optional(),
};

/** A post quoted in another post's `copy_history` (a repost's original). */
export const vkRepostedPostSchema = vkObject(postFields);
/** A reposted post (see {@link vkRepostedPostSchema}). */
export type VkRepostedPost = z.output<typeof vkRepostedPostSchema>;

/**
 * A wall post (`wall_post_new`, `wall_repost`, the `wall` attachment). `from_id` is negative for
 * posts by the community; `copy_history` holds the original of a repost.
 */
export const vkPostSchema = vkObject({
  ...postFields,
  copy_history: z.array(vkRepostedPostSchema).optional(),
});
/** A wall post (see {@link vkPostSchema}). */
export type VkPost = z.output<typeof vkPostSchema>;

/**
 * A post attached to a message (the `wall` attachment): a {@link vkPostSchema} post, except that VK
 * sends some posts inside messages with `to_id` (the wall it is on) and no `owner_id`. One of the two
 * is required; read the owner as `post.owner_id ?? post.to_id` (what `attachmentString` does, and
 * what vk-io does).
 */
export const vkAttachedPostSchema = vkPostSchema
  .extend({ owner_id: z.number().optional(), to_id: z.number().optional() })
  .refine((post) => typeof post.owner_id === 'number' || typeof post.to_id === 'number', {
    message: 'a post needs owner_id or to_id',
    path: ['owner_id'],
  });
/** A post attached to a message (see {@link vkAttachedPostSchema}). */
export type VkAttachedPost = z.output<typeof vkAttachedPostSchema>;

/**
 * A comment on a post, photo, video, market item or board topic. Nested replies (`thread.items`)
 * are kept as loose objects.
 */
export const vkCommentSchema = vkObject({
  id: z.number(),
  from_id: z.number(),
  date: z.number(),
  text: z.string().optional(),
  owner_id: z.number().optional(),
  post_id: z.number().optional(),
  attachments: z.array(vkWallAttachmentSchema).optional(),
  parents_stack: z.array(z.number()).optional(),
  reply_to_user: z.number().optional(),
  reply_to_comment: z.number().optional(),
  thread: vkObject({ count: z.number().optional(), items: z.array(z.looseObject({})).optional() }).optional(),
  likes: counterSchema
    .extend({ user_likes: vkBoolean.optional(), can_like: vkBoolean.optional() })
    .optional(),
  deleted: vkBoolean.optional(),
});
/** A comment (see {@link vkCommentSchema}). */
export type VkComment = z.output<typeof vkCommentSchema>;
