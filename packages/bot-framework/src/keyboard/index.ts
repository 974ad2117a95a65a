// The keyboard builder, its buttons and VK's limits.
export {
  type AppButtonOptions,
  type ButtonOptions,
  button,
  type ColoredButtonOptions,
  type VkPayAction,
} from './button.js';
// Typed callback data.
export {
  type CallbackData,
  type CallbackDataFromSchema,
  type CallbackDataOf,
  type CallbackDataQuery,
  type CallbackDataSchema,
  type CallbackFieldSpec,
  type CallbackFieldType,
  defineCallbackData,
} from './callback-data.js';
// Carousel templates.
export { Carousel, type CarouselElementInput } from './carousel.js';
// Errors.
export {
  CallbackDataError,
  type CallbackDataErrorCode,
  KeyboardError,
  type KeyboardErrorCode,
} from './errors.js';
export { Keyboard, type KeyboardOptions, validateKeyboard } from './keyboard.js';
export { KEYBOARD_LIMITS } from './limits.js';
// Payloads of text buttons and messages.
export { type ButtonPayload, type JsonInput, parsePayload, payloadMatches } from './payload.js';
