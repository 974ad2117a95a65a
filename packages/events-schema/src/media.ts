import * as z from 'zod';
import { vkObject } from './vk-object.js';
import { openEnum, vkBoolean } from './vk-values.js';

// Media objects as they appear inside attachments and media events. Only the fields that identify an
// object (and so form its attachment string `<type><owner_id>_<id>[_<access_key>]`) are required;
// everything else is optional because VK trims objects differently per context, and unknown fields are
// kept (loose objects).

/** One rendition of a photo; pick the largest by `width * height`. */
export const vkPhotoSizeSchema = vkObject({
  type: z.string().optional(),
  url: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
});
/** A photo size (see {@link vkPhotoSizeSchema}). */
export type VkPhotoSize = z.output<typeof vkPhotoSizeSchema>;

/** A picture with a URL and dimensions (sticker images, video covers). */
export const vkImageSchema = vkObject({
  url: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
});
/** An image (see {@link vkImageSchema}). */
export type VkImage = z.output<typeof vkImageSchema>;

/** A photo (`photo` attachment, `photo_new`, `group_change_photo`). */
export const vkPhotoSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  album_id: z.number().optional(),
  user_id: z.number().optional(),
  post_id: z.number().optional(),
  date: z.number().optional(),
  text: z.string().optional(),
  access_key: z.string().optional(),
  sizes: z.array(vkPhotoSizeSchema).optional(),
  has_tags: vkBoolean.optional(),
});
/** A photo (see {@link vkPhotoSchema}). */
export type VkPhoto = z.output<typeof vkPhotoSchema>;

/** A video (`video` attachment, `video_new`). */
export const vkVideoSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  title: z.string().optional(),
  description: z.string().optional(),
  duration: z.number().optional(),
  date: z.number().optional(),
  access_key: z.string().optional(),
  image: z.array(vkImageSchema).optional(),
  player: z.string().optional(),
  can_add: vkBoolean.optional(),
  is_private: vkBoolean.optional(),
});
/** A video (see {@link vkVideoSchema}). */
export type VkVideo = z.output<typeof vkVideoSchema>;

/** An audio track (`audio` attachment, `audio_new`). */
export const vkAudioSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  artist: z.string().optional(),
  title: z.string().optional(),
  duration: z.number().optional(),
  url: z.string().optional(),
  date: z.number().optional(),
  access_key: z.string().optional(),
});
/** An audio track (see {@link vkAudioSchema}). */
export type VkAudio = z.output<typeof vkAudioSchema>;

/**
 * A document. `type`: 1 text, 2 archive, 3 gif, 4 image, 5 audio, 6 video, 7 e-book, 8 unknown
 * (numbering from SDKs; kept as a plain number so new kinds pass).
 */
export const vkDocSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  title: z.string().optional(),
  size: z.number().optional(),
  ext: z.string().optional(),
  url: z.string().optional(),
  date: z.number().optional(),
  type: z.number().optional(),
  access_key: z.string().optional(),
  preview: z.looseObject({}).optional(),
});
/** A document (see {@link vkDocSchema}). */
export type VkDoc = z.output<typeof vkDocSchema>;

/** A voice message. `transcript`/`transcript_state` appear in real payloads though not in VK's schema. */
export const vkAudioMessageSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  duration: z.number().optional(),
  waveform: z.array(z.number()).optional(),
  link_ogg: z.string().optional(),
  link_mp3: z.string().optional(),
  access_key: z.string().optional(),
  transcript: z.string().optional(),
  transcript_state: openEnum(['in_progress', 'done']).optional(),
});
/** A voice message (see {@link vkAudioMessageSchema}). */
export type VkAudioMessage = z.output<typeof vkAudioMessageSchema>;

/** A graffiti. */
export const vkGraffitiSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  url: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  access_key: z.string().optional(),
});
/** A graffiti (see {@link vkGraffitiSchema}). */
export type VkGraffiti = z.output<typeof vkGraffitiSchema>;

/** A sticker. Stickers have no owner, so they have no attachment string. */
export const vkStickerSchema = vkObject({
  sticker_id: z.number(),
  product_id: z.number().optional(),
  images: z.array(vkImageSchema).optional(),
  images_with_background: z.array(vkImageSchema).optional(),
  animation_url: z.string().optional(),
  is_allowed: vkBoolean.optional(),
});
/** A sticker (see {@link vkStickerSchema}). */
export type VkSticker = z.output<typeof vkStickerSchema>;

/** A link snippet. */
export const vkLinkSchema = vkObject({
  url: z.string(),
  title: z.string().optional(),
  caption: z.string().optional(),
  description: z.string().optional(),
  photo: vkPhotoSchema.optional(),
  button: z.looseObject({}).optional(),
});
/** A link (see {@link vkLinkSchema}). */
export type VkLink = z.output<typeof vkLinkSchema>;

/** A market item (`market` attachment). */
export const vkMarketItemSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  title: z.string().optional(),
  description: z.string().optional(),
  price: z.looseObject({}).optional(),
  access_key: z.string().optional(),
});
/** A market item (see {@link vkMarketItemSchema}). */
export type VkMarketItem = z.output<typeof vkMarketItemSchema>;

/** A market collection (`market_album` attachment). */
export const vkMarketAlbumSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  title: z.string().optional(),
  count: z.number().optional(),
});
/** A market collection (see {@link vkMarketAlbumSchema}). */
export type VkMarketAlbum = z.output<typeof vkMarketAlbumSchema>;

/** A poll. */
export const vkPollSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  question: z.string().optional(),
  votes: z.number().optional(),
  answers: z.array(vkObject({ id: z.number(), text: z.string().optional() })).optional(),
  anonymous: vkBoolean.optional(),
  multiple: vkBoolean.optional(),
  closed: vkBoolean.optional(),
  end_date: z.number().optional(),
  access_key: z.string().optional(),
});
/** A poll (see {@link vkPollSchema}). */
export type VkPoll = z.output<typeof vkPollSchema>;

/** A story. */
export const vkStorySchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  date: z.number().optional(),
  access_key: z.string().optional(),
});
/** A story (see {@link vkStorySchema}). */
export type VkStory = z.output<typeof vkStorySchema>;

/** An article. */
export const vkArticleSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  title: z.string().optional(),
  url: z.string().optional(),
  access_key: z.string().optional(),
});
/** An article (see {@link vkArticleSchema}). */
export type VkArticle = z.output<typeof vkArticleSchema>;

/** A video playlist. */
export const vkVideoPlaylistSchema = vkObject({
  id: z.number(),
  owner_id: z.number(),
  title: z.string().optional(),
});
/** A video playlist (see {@link vkVideoPlaylistSchema}). */
export type VkVideoPlaylist = z.output<typeof vkVideoPlaylistSchema>;

/** A gift. */
export const vkGiftSchema = vkObject({
  id: z.number(),
  thumb_48: z.string().optional(),
  thumb_96: z.string().optional(),
  thumb_256: z.string().optional(),
});
/** A gift (see {@link vkGiftSchema}). */
export type VkGift = z.output<typeof vkGiftSchema>;

/** A call record. */
export const vkCallSchema = vkObject({
  initiator_id: z.number().optional(),
  receiver_id: z.number().optional(),
  state: openEnum(['reached', 'canceled_by_initiator', 'canceled_by_receiver']).optional(),
  time: z.number().optional(),
  duration: z.number().optional(),
  video: vkBoolean.optional(),
});
/** A call (see {@link vkCallSchema}). */
export type VkCall = z.output<typeof vkCallSchema>;
