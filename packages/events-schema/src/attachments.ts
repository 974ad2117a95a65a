import * as z from 'zod';
import {
  vkArticleSchema,
  vkAudioMessageSchema,
  vkAudioSchema,
  vkCallSchema,
  vkDocSchema,
  vkGiftSchema,
  vkGraffitiSchema,
  vkLinkSchema,
  vkMarketAlbumSchema,
  vkMarketItemSchema,
  vkPhotoSchema,
  vkPollSchema,
  vkStickerSchema,
  vkStorySchema,
  vkVideoPlaylistSchema,
  vkVideoSchema,
} from './media.js';

/** Attachment `type` → schema of the object stored under the key of the same name. */
type AttachmentObjectMap = Record<string, z.ZodType>;

/**
 * One known attachment `{ type: T, [T]: object }`. Unknown fields are kept at run time but not
 * typed, so a misspelt key does not compile.
 */
export type VkAttachmentVariant<Type extends string, Obj> = { type: Type } & { [K in Type]: Obj };

/** The typed attachments of an object map, one variant per `type`. */
export type VkAttachmentOfMap<Map extends AttachmentObjectMap> = {
  [Type in keyof Map & string]: VkAttachmentVariant<Type, z.output<Map[Type]>>;
}[keyof Map & string];

/**
 * The `type` of a {@link VkUnknownAttachment}: the plain string VK sent at run time, typed as a
 * template literal no known type matches so that `switch (attachment.type)` narrows to the known
 * variants (the same device as `VkUnknownEventType`). Widen it to compare with a type this package
 * does not know: `(attachment.type as string) === 'clip'`.
 */
export type VkUnknownAttachmentType = `${string} (not a known attachment type)`;

/**
 * An attachment of a type this package does not know yet, kept as VK sent it. Its `type` is never
 * one of the known types (those that fail their own schema are errors, not unknown attachments).
 */
export interface VkUnknownAttachment {
  type: VkUnknownAttachmentType;
  [key: string]: unknown;
}

/**
 * Builds the attachment union of an object map: a discriminated union on `type` for the known types
 * and a fallback that keeps attachments of any other type as they are.
 */
export function attachmentUnion<const Map extends AttachmentObjectMap>(
  objects: Map,
): z.ZodType<VkAttachmentOfMap<Map> | VkUnknownAttachment> {
  const known = Object.keys(objects);
  const variants = known.map((type) =>
    z.looseObject({ type: z.literal(type), [type]: objects[type] as z.ZodType }),
  );
  const unknownTypes = z.looseObject({
    type: z.string().refine((type) => !Object.hasOwn(objects, type), {
      message: 'a known attachment type must match its own schema',
      // Aborting, so a failed union reports the known variant's own problem rather than this one.
      abort: true,
    }),
  });
  return z.union([
    z.discriminatedUnion('type', variants as [(typeof variants)[number], ...typeof variants]),
    unknownTypes,
  ]) as unknown as z.ZodType<VkAttachmentOfMap<Map> | VkUnknownAttachment>;
}

/**
 * Attachment `type` → object schema for the media that can be attached anywhere (messages, posts,
 * comments). Messages add `wall` and `wall_reply` on top (see `vkMessageAttachmentObjects`).
 */
export const vkMediaAttachmentObjects = {
  photo: vkPhotoSchema,
  video: vkVideoSchema,
  audio: vkAudioSchema,
  doc: vkDocSchema,
  link: vkLinkSchema,
  market: vkMarketItemSchema,
  market_album: vkMarketAlbumSchema,
  sticker: vkStickerSchema,
  gift: vkGiftSchema,
  audio_message: vkAudioMessageSchema,
  graffiti: vkGraffitiSchema,
  poll: vkPollSchema,
  story: vkStorySchema,
  article: vkArticleSchema,
  call: vkCallSchema,
  video_playlist: vkVideoPlaylistSchema,
} as const;

/** An attachment of a wall post or comment. */
export const vkWallAttachmentSchema: z.ZodType<VkWallAttachment> = attachmentUnion(vkMediaAttachmentObjects);
/** An attachment of a wall post or comment: a known media type or a {@link VkUnknownAttachment}. */
export type VkWallAttachment = VkAttachmentOfMap<typeof vkMediaAttachmentObjects> | VkUnknownAttachment;
