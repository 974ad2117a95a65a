import { VkError } from '../api/errors.js';
import { randomHex, unixNow } from '../ids.js';
import type { VkObject } from './types.js';

/** Media types a message attachment string may name. */
const ATTACHMENT_TYPES = new Set([
  'photo',
  'video',
  'audio',
  'doc',
  'wall',
  'market',
  'poll',
  'story',
  'audio_message',
  'graffiti',
  'sticker',
  'link',
  'wall_reply',
  'article',
  'podcast',
  'video_playlist',
  'market_album',
  'gift',
]);
const ATTACHMENT_STRING = /^([a-z_]+?)(-?\d+)_(\d+)(?:_([A-Za-z0-9]+))?$/;

/** The parts of an attachment string like `photo-1_2_key`. */
export interface AttachmentRef {
  type: string;
  ownerId: number;
  id: number;
  accessKey?: string;
}

/** Parses one attachment string; error 100 naming it when malformed. */
export function parseAttachmentString(value: string): AttachmentRef {
  const match = ATTACHMENT_STRING.exec(value.trim());
  if (!match || !ATTACHMENT_TYPES.has(match[1] ?? '')) {
    throw new VkError(100, `attachment ${JSON.stringify(value.slice(0, 60))} is invalid`);
  }
  const ref: AttachmentRef = { type: match[1] ?? '', ownerId: Number(match[2]), id: Number(match[3]) };
  if (match[4] !== undefined) ref.accessKey = match[4];
  return ref;
}

/** The attachment string of a media object (`photo<owner>_<id>[_<access_key>]`). */
export function attachmentString(type: string, media: VkObject): string {
  const key = typeof media.access_key === 'string' && media.access_key !== '' ? `_${media.access_key}` : '';
  return `${type}${String(media.owner_id)}_${String(media.id)}${key}`;
}

let mediaId = 457_240_000;

/** A new media id (photos, docs, voice messages share one counter here). */
export function nextMediaId(): number {
  mediaId += 1;
  return mediaId;
}

const PHOTO_SIZES: ReadonlyArray<readonly [string, number, number]> = [
  ['s', 75, 56],
  ['m', 130, 97],
  ['x', 604, 453],
  ['z', 1280, 960],
];

/** A photo object as VK sends it in messages and posts. */
export function photoObject(
  ownerId: number,
  options: { id?: number; text?: string; albumId?: number } = {},
): VkObject {
  const id = options.id ?? nextMediaId();
  return {
    album_id: options.albumId ?? -3,
    date: unixNow(),
    id,
    owner_id: ownerId,
    access_key: randomHex(9),
    sizes: PHOTO_SIZES.map(([type, width, height]) => ({
      height,
      type,
      width,
      url: `https://sun9-1.userapi.com/impg/sandbox/${id}_${type}.jpg?size=${width}x${height}&quality=95&type=album`,
    })),
    text: options.text ?? '',
    has_tags: false,
  };
}

const DOC_TYPES: Readonly<Record<string, number>> = {
  txt: 1,
  zip: 2,
  rar: 2,
  gif: 3,
  png: 4,
  jpg: 4,
  jpeg: 4,
  mp3: 5,
  ogg: 5,
  mp4: 6,
  epub: 7,
  fb2: 7,
};

/** A document object (`type` is VK's doc kind: 1 text, 2 archive, 3 gif, 4 image, 5 audio, 6 video, 7 ebook, 8 other). */
export function docObject(ownerId: number, options: { title?: string; size?: number } = {}): VkObject {
  const id = nextMediaId();
  const title = options.title ?? 'document.pdf';
  const ext = title.includes('.') ? (title.split('.').pop() ?? '').toLowerCase() : '';
  return {
    id,
    owner_id: ownerId,
    title,
    size: options.size ?? 48_213,
    ext,
    date: unixNow(),
    type: DOC_TYPES[ext] ?? (ext === 'pdf' || ext === 'doc' || ext === 'docx' ? 1 : 8),
    url: `https://vk.com/doc${ownerId}_${id}?hash=${randomHex(5)}&dl=sandbox&api=1`,
    access_key: randomHex(9),
  };
}

/** A voice message object. */
export function audioMessageObject(
  ownerId: number,
  options: { duration?: number; transcript?: string } = {},
): VkObject {
  const id = nextMediaId();
  const duration = options.duration ?? 4;
  return {
    duration,
    id,
    owner_id: ownerId,
    access_key: randomHex(9),
    waveform: Array.from({ length: 20 }, (_, index) => Math.round(15 + 15 * Math.sin(index / 3))),
    link_ogg: `https://psv4.userapi.com/sandbox/u${ownerId}/audiomsg/${id}.ogg`,
    link_mp3: `https://psv4.userapi.com/sandbox/u${ownerId}/audiomsg/${id}.mp3`,
    transcript: options.transcript ?? '',
    transcript_state: 'done',
  };
}

/** A sticker object. */
export function stickerObject(options: { stickerId?: number; productId?: number } = {}): VkObject {
  const stickerId = options.stickerId ?? 9015;
  const image = (size: number, suffix = ''): VkObject => ({
    url: `https://vk.com/sticker/1-${stickerId}-${size}${suffix}`,
    width: size,
    height: size,
  });
  return {
    inner_type: 'base_sticker_new',
    product_id: options.productId ?? 279,
    sticker_id: stickerId,
    is_allowed: true,
    images: [64, 128, 256, 352, 512].map((size) => image(size)),
    images_with_background: [64, 128].map((size) => image(size, 'b')),
  };
}

/** A minimal object for media the sandbox did not create itself (enough to re-send it). */
export function stubMedia(ref: AttachmentRef): VkObject {
  const media: VkObject = { id: ref.id, owner_id: ref.ownerId };
  if (ref.accessKey !== undefined) media.access_key = ref.accessKey;
  return media;
}
