// The client

// Logging: the contract and the silent logger of @vkwire/core, re-exported for existing imports
export { type Logger, silentLogger } from '@vkwire/core';
export { type TokenInfo, VkApi, type VkApiOptions } from './api.js';
export type { ParamValue } from './encode.js';
export type {
  ApiHooks,
  CallInfo,
  CallOptions,
  CallOutcome,
  CaptchaAnswer,
  CaptchaChallenge,
  CaptchaHandler,
  RetryInfo,
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
  VkEndpointError,
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
// What messages.send and friends take as JSON (the incoming shapes live in @vkwire/events-schema)
export type {
  VkButtonActionInput,
  VkButtonColor,
  VkCarouselTemplate,
  VkEventData,
  VkForward,
  VkKeyboardButtonInput,
  VkKeyboardInput,
} from './keyboard-types.js';
// Method and parameter types (from VK's official schema, with our corrections)
export type {
  MessagesSend,
  MessagesSendInput,
  MessagesSendManyInput,
  MessagesSendRecipient,
  VkApiSections,
  VkCallArgs,
  VkCallParams,
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
// Uploads
export type { DocUploadOptions, UploadSource } from './upload.js';
