import * as z from 'zod';
import {
  attachmentUnion,
  type VkAttachmentOfMap,
  type VkUnknownAttachment,
  vkMediaAttachmentObjects,
} from './attachments.js';
import { VK_BUTTON_ACTION_TYPES, vkKeyboardSchema, vkTemplateSchema } from './keyboard.js';
import { vkObject } from './vk-object.js';
import { openEnum, vkBoolean } from './vk-values.js';
import { vkAttachedPostSchema, vkCommentSchema } from './wall.js';

/** Attachment `type` → object schema for message attachments: every media type plus posts and comments. */
export const vkMessageAttachmentObjects = {
  ...vkMediaAttachmentObjects,
  wall: vkAttachedPostSchema,
  wall_reply: vkCommentSchema,
} as const;

/**
 * A message attachment `{ type, [type]: object }`, discriminated by `type`; attachments of a type
 * not listed in {@link vkMessageAttachmentObjects} are kept as {@link VkUnknownAttachment}.
 *
 * Narrow with a `switch` / `===` on `type`, or with {@link isAttachmentOf}.
 *
 * @example
 * switch (item.type) {
 *   case 'photo': return item.photo.sizes;
 *   case 'doc': return item.doc.url;
 * }
 */
export const vkMessageAttachmentSchema: z.ZodType<VkMessageAttachment> =
  attachmentUnion(vkMessageAttachmentObjects);
/** A message attachment (see {@link vkMessageAttachmentSchema}). */
export type VkMessageAttachment = VkAttachmentOfMap<typeof vkMessageAttachmentObjects> | VkUnknownAttachment;
/** Attachment types this package knows. */
export type VkAttachmentType = keyof typeof vkMessageAttachmentObjects;
/** The attachment variant of one known type, e.g. `VkAttachmentOf<'photo'>` has `photo: VkPhoto`. */
export type VkAttachmentOf<Type extends VkAttachmentType> = Extract<VkMessageAttachment, { type: Type }>;

/**
 * Narrows an attachment to one known type.
 *
 * @example
 * for (const item of message.attachments) {
 *   if (isAttachmentOf(item, 'photo')) console.log(item.photo.sizes);
 * }
 */
export function isAttachmentOf<Type extends VkAttachmentType>(
  attachment: { type: string },
  type: Type,
): attachment is VkAttachmentOf<Type> {
  // Sound because parsing routes every known type through its own schema.
  return attachment.type === type;
}

/** Service action types from VK's schema; newer ones pass as plain strings. */
export const VK_MESSAGE_ACTION_TYPES = [
  'chat_photo_update',
  'chat_photo_remove',
  'chat_create',
  'chat_title_update',
  'chat_invite_user',
  'chat_kick_user',
  'chat_pin_message',
  'chat_unpin_message',
  'chat_invite_user_by_link',
  'chat_invite_user_by_message_request',
  'chat_screenshot',
] as const;

/**
 * The service action of a chat service message. `member_id` is the invited/removed member
 * (negative for a community — `-group_id` when the bot itself was added); `text` is the new title
 * for `chat_create`/`chat_title_update`.
 */
export const vkMessageActionSchema = vkObject({
  type: openEnum(VK_MESSAGE_ACTION_TYPES),
  member_id: z.number().optional(),
  text: z.string().optional(),
  email: z.string().optional(),
  message: z.string().optional(),
  conversation_message_id: z.number().optional(),
  photo: vkObject({
    photo_50: z.string().optional(),
    photo_100: z.string().optional(),
    photo_200: z.string().optional(),
  }).optional(),
});
/** A service action (see {@link vkMessageActionSchema}). */
export type VkMessageAction = z.output<typeof vkMessageActionSchema>;

/** A location attached to a message. */
export const vkGeoSchema = vkObject({
  type: z.string().optional(),
  coordinates: vkObject({ latitude: z.number(), longitude: z.number() }).optional(),
  place: z.looseObject({}).optional(),
  showmap: vkBoolean.optional(),
});
/** A location (see {@link vkGeoSchema}). */
export type VkGeo = z.output<typeof vkGeoSchema>;

/**
 * What the user's client supports (`message_new` only). Use it to degrade: no `inline_keyboard` →
 * send a normal keyboard; no `callback` in `button_actions` → use text buttons. `lang_id`: 0 ru,
 * 1 uk, 2 be, 3 en, …
 */
export const vkClientInfoSchema = vkObject({
  button_actions: z.array(openEnum(VK_BUTTON_ACTION_TYPES)).optional(),
  keyboard: vkBoolean.optional(),
  inline_keyboard: vkBoolean.optional(),
  carousel: vkBoolean.optional(),
  lang_id: z.number().optional(),
});
/** Client capabilities (see {@link vkClientInfoSchema}). */
export type VkClientInfo = z.output<typeof vkClientInfoSchema>;

/**
 * A forwarded or replied-to message ("foreign message"). Nests: forwards can hold forwards (VK: up
 * to 45 levels). `conversation_message_id` and `peer_id` refer to the conversation it came from.
 * `attachments` is always an array (`[]` when VK omits it).
 */
export const vkForeignMessageSchema = vkObject({
  // Fields listed inline: TypeScript cannot infer a recursive schema built from a spread.
  id: z.number().optional(),
  conversation_message_id: z.number().optional(),
  peer_id: z.number().optional(),
  date: z.number(),
  from_id: z.number(),
  text: z.string(),
  attachments: z.array(vkMessageAttachmentSchema).default([]),
  update_time: z.number().optional(),
  geo: vkGeoSchema.optional(),
  payload: z.string().optional(),
  get fwd_messages(): z.ZodOptional<z.ZodArray<typeof vkForeignMessageSchema>> {
    return z.array(vkForeignMessageSchema).optional();
  },
  get reply_message(): z.ZodOptional<typeof vkForeignMessageSchema> {
    return vkForeignMessageSchema.optional();
  },
});
/** A forwarded or replied-to message (see {@link vkForeignMessageSchema}). */
export type VkForeignMessage = z.output<typeof vkForeignMessageSchema>;

/**
 * A message as a community bot sees it (`message_new.object.message`, `message_reply`,
 * `message_edit`). Key on `(peer_id, conversation_message_id)`: `id` is `0` for messages in chats.
 * `attachments` and `fwd_messages` are always arrays; flags are booleans.
 *
 * @example
 * const chatId = message.peer_id > 2e9 ? message.peer_id - 2e9 : null;
 */
export const vkMessageSchema = vkObject({
  ...vkForeignMessageSchema.shape,
  id: z.number(),
  conversation_message_id: z.number(),
  peer_id: z.number(),
  out: vkBoolean,
  version: z.number().optional(),
  random_id: z.number().optional(),
  fwd_messages: z.array(vkForeignMessageSchema).default([]),
  reply_message: vkForeignMessageSchema.optional(),
  action: vkMessageActionSchema.optional(),
  keyboard: vkKeyboardSchema.optional(),
  template: vkTemplateSchema.optional(),
  important: vkBoolean.optional(),
  is_hidden: vkBoolean.optional(),
  is_cropped: vkBoolean.optional(),
  is_unavailable: vkBoolean.optional(),
  is_silent: vkBoolean.optional(),
  was_listened: vkBoolean.optional(),
  deleted: vkBoolean.optional(),
  admin_author_id: z.number().optional(),
  ref: z.string().optional(),
  ref_source: z.string().optional(),
  members_count: z.number().optional(),
  pinned_at: z.number().optional(),
  reaction_id: z.number().optional(),
  last_reaction_id: z.number().optional(),
  reactions: z.array(z.looseObject({})).optional(),
  expire_ttl: z.number().optional(),
  format_data: z.looseObject({}).optional(),
});
/** A message (see {@link vkMessageSchema}). */
export type VkMessage = z.output<typeof vkMessageSchema>;
