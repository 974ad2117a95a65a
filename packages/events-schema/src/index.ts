// The API version whose objects these schemas describe (defined once, in @vkwire/core).
export { VK_API_VERSION } from '@vkwire/core';
// Values of raw VK objects: boolean-like flags, open enums, JSON payloads.

// Attachments, typed by their `type` key.
export {
  attachmentUnion,
  type VkAttachmentOfMap,
  type VkAttachmentVariant,
  type VkUnknownAttachment,
  type VkUnknownAttachmentType,
  type VkWallAttachment,
  vkMediaAttachmentObjects,
  vkWallAttachmentSchema,
} from './attachments.js';

// The update envelope and the Callback API confirmation request.
export {
  isConfirmationRequest,
  type VkConfirmationRequest,
  type VkEnvelope,
  type VkUpdateEnvelope,
  vkConfirmationRequestSchema,
  vkEnvelopeSchema,
} from './envelope.js';
// Errors.
export {
  formatPath,
  type VkParseIssue,
  VkUpdateParseError,
  type VkUpdateParseErrorCode,
  VkwireEventParseError,
  type VkwireEventParseErrorCode,
} from './errors.js';
// The normalized event.
export {
  EVENT_SCHEMA_VERSION,
  type VkwireEvent,
  type VkwireEventOf,
  type VkwireEventType,
  type VkwireMessage,
  type VkwirePeer,
  type VkwireQuotedMessage,
  type VkwireRawUpdate,
  type VkwireUser,
  vkwireEventSchema,
  vkwireMessageSchema,
  vkwirePeerSchema,
  vkwireQuotedMessageSchema,
  vkwireRawUpdateSchema,
  vkwireUserSchema,
} from './event.js';
// The event map and the update types derived from it.
export {
  isKnownEventType,
  isKnownUpdate,
  isUpdateOf,
  VK_EVENT_TYPES,
  type VkEventMap,
  type VkEventType,
  type VkParsedUpdate,
  type VkUnknownEventType,
  type VkUnknownUpdate,
  type VkUpdate,
  type VkUpdateOf,
  vkEventSchemas,
} from './event-map.js';
// Event families: `type` → object schema, and their object schemas.
export {
  vkAppPayloadSchema,
  vkCommunityEvents,
  vkGroupChangePhotoSchema,
  vkGroupChangeSettingsSchema,
  vkGroupJoinSchema,
  vkGroupLeaveSchema,
  vkGroupOfficersEditSchema,
  vkLeadFormsNewSchema,
  vkPollVoteNewSchema,
  vkUserBlockSchema,
  vkUserUnblockSchema,
  vkVkpayTransactionSchema,
} from './events/community.js';
export {
  vkDonutEvents,
  vkDonutMoneyWithdrawErrorSchema,
  vkDonutMoneyWithdrawSchema,
  vkDonutPriceChangedSchema,
  vkDonutSubscriptionEndSchema,
  vkDonutSubscriptionSchema,
} from './events/donut.js';
export {
  vkMarketCommentDeleteSchema,
  vkMarketCommentSchema,
  vkMarketEvents,
  vkMarketOrderSchema,
} from './events/market.js';
export {
  vkMediaEvents,
  vkPhotoCommentDeleteSchema,
  vkPhotoCommentSchema,
  vkVideoCommentDeleteSchema,
  vkVideoCommentSchema,
} from './events/media.js';
export {
  vkMessageAllowSchema,
  vkMessageDenySchema,
  vkMessageEventSchema,
  vkMessageEvents,
  vkMessageNewSchema,
  vkMessageReactionEventSchema,
  vkMessageReadSchema,
  vkMessageTypingStateSchema,
} from './events/messages.js';
export {
  vkBoardPostDeleteSchema,
  vkBoardPostSchema,
  vkLikeSchema,
  vkWallEvents,
  vkWallReplyDeleteSchema,
  vkWallReplySchema,
  vkWallSchedulePostSchema,
} from './events/wall.js';
// The JSON form of events and its JSON Schema.
export { eventJsonSchema, parseEvent, serializeEvent } from './json-form.js';
// Keyboards and templates attached to messages.
export {
  VK_BUTTON_ACTION_TYPES,
  type VkButtonAction,
  type VkKeyboard,
  type VkKeyboardButton,
  type VkTemplate,
  vkButtonActionSchema,
  vkKeyboardButtonSchema,
  vkKeyboardSchema,
  vkTemplateSchema,
} from './keyboard.js';
// Media objects found in attachments and media events.
export {
  type VkArticle,
  type VkAudio,
  type VkAudioMessage,
  type VkCall,
  type VkDoc,
  type VkGift,
  type VkGraffiti,
  type VkImage,
  type VkLink,
  type VkMarketAlbum,
  type VkMarketItem,
  type VkPhoto,
  type VkPhotoSize,
  type VkPoll,
  type VkSticker,
  type VkStory,
  type VkVideo,
  type VkVideoPlaylist,
  vkArticleSchema,
  vkAudioMessageSchema,
  vkAudioSchema,
  vkCallSchema,
  vkDocSchema,
  vkGiftSchema,
  vkGraffitiSchema,
  vkImageSchema,
  vkLinkSchema,
  vkMarketAlbumSchema,
  vkMarketItemSchema,
  vkPhotoSchema,
  vkPhotoSizeSchema,
  vkPollSchema,
  vkStickerSchema,
  vkStorySchema,
  vkVideoPlaylistSchema,
  vkVideoSchema,
} from './media.js';
// The message object and what comes with it: attachments, forwards, service actions, geo, client_info.
export {
  isAttachmentOf,
  VK_MESSAGE_ACTION_TYPES,
  type VkAttachmentOf,
  type VkAttachmentType,
  type VkClientInfo,
  type VkForeignMessage,
  type VkGeo,
  type VkMessage,
  type VkMessageAction,
  type VkMessageAttachment,
  vkClientInfoSchema,
  vkForeignMessageSchema,
  vkGeoSchema,
  vkMessageActionSchema,
  vkMessageAttachmentObjects,
  vkMessageAttachmentSchema,
  vkMessageSchema,
} from './message.js';
// Normalizing updates into events.
export {
  attachmentString,
  chatIdOf,
  NORMALIZED_VK_TYPES,
  type NormalizeOptions,
  type NormalizeSyncOptions,
  normalize,
  normalizeBatch,
  normalizeSync,
} from './normalize.js';
// The conversation an update belongs to, for ordering.
export { updateOrderKey } from './order-key.js';
// Parsing raw updates.
export {
  type ParseUpdateOptions,
  parseUpdate,
  type SafeParseUpdateResult,
  safeParseUpdate,
} from './parse.js';
// The name resolver interface and an in-memory implementation.
export {
  createMemoryNameResolver,
  type MemoryNameResolverEntries,
  type VkNameResolver,
  type VkNames,
} from './resolver.js';
// The object schema VK objects are built with: unknown fields kept, types without an index signature.
export { vkObject } from './vk-object.js';
export { type OpenEnum, openEnum, type VkJsonValue, vkBoolean, vkJsonValue } from './vk-values.js';
// Wall posts and comments.
export {
  type VkAttachedPost,
  type VkComment,
  type VkPost,
  type VkRepostedPost,
  vkAttachedPostSchema,
  vkCommentSchema,
  vkPostSchema,
  vkRepostedPostSchema,
} from './wall.js';
