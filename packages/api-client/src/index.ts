// The client
export { type TokenInfo, VkApi, type VkApiOptions } from './api.js';
export type { ParamValue } from './encode.js';
export type {
  ApiHooks,
  CallInfo,
  CallOptions,
  CaptchaAnswer,
  CaptchaChallenge,
  CaptchaHandler,
  RetryOptions,
} from './engine.js';
// Errors
export {
  createApiError,
  VkAccessError,
  VkApiError,
  VkAuthError,
  VkCaptchaError,
  VkClosedError,
  VkErrorCode,
  type VkErrorCodeName,
  type VkErrorObject,
  VkFloodError,
  VkInternalError,
  VkMessagePermissionError,
  VkMessageTooLongError,
  VkNetworkError,
  VkParamError,
  VkRateLimitError,
  VkResponseError,
  VkUploadError,
} from './errors.js';
export type { VkMethods } from './generated/methods.js';
export type {
  VkButtonAction,
  VkButtonColor,
  VkCarouselTemplate,
  VkEventData,
  VkForward,
  VkKeyboard,
  VkKeyboardButton,
} from './keyboard-types.js';
export type { Logger } from './logger.js';
// Method and parameter types (from VK's official schema, with our corrections)
export type {
  MessagesSend,
  VkApiSections,
  VkMethodName,
  VkParams,
  VkSection,
  VkSectionName,
} from './method-types.js';
export { nextRandomId } from './random-id.js';
// Rate limiting (pluggable: redis-bridge provides a shared limiter)
export {
  MemoryRateLimiter,
  type MemoryRateLimiterOptions,
  type RateLimiter,
  type RateLimitGrant,
  type RateLimitSlot,
} from './rate-limiter.js';
export { tokenFingerprint } from './token.js';
// Uploads and logging
export type { DocUploadOptions, UploadSource } from './upload.js';
