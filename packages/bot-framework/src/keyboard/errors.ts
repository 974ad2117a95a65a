/** Which VK keyboard or carousel rule a `KeyboardError` is about. */
export type KeyboardErrorCode =
  /** A row holds more buttons than VK allows (5). */
  | 'too_many_buttons_in_row'
  /** More rows than VK allows (10 standard, 6 inline). */
  | 'too_many_rows'
  /** More buttons in total than VK allows (40 standard, 10 inline). */
  | 'too_many_buttons'
  /** A button label is longer than 40 characters. */
  | 'label_too_long'
  /** A button that needs a label has an empty one. */
  | 'empty_label'
  /** A button payload is longer than 255 characters once encoded. */
  | 'payload_too_long'
  /** A payload given as a string is not JSON, or a payload cannot be encoded as JSON. */
  | 'invalid_payload'
  /** A location, vkpay or open_app button shares its row with another button. */
  | 'full_width_not_alone'
  /** `oneTime` was asked for an inline keyboard (VK supports it for standard keyboards only). */
  | 'one_time_inline'
  /** A row without buttons. */
  | 'empty_row'
  /** A keyboard without buttons (use `Keyboard.remove()` to hide a keyboard). */
  | 'empty_keyboard'
  /** A color on a button that is not text or callback, or a color VK does not know. */
  | 'invalid_color'
  /** A button is malformed: unknown type, a link that is not http(s), an app id that is not a positive integer. */
  | 'invalid_button'
  /** A carousel element's title is longer than 80 characters. */
  | 'title_too_long'
  /** A carousel element's description is longer than 80 characters. */
  | 'description_too_long'
  /** A carousel element has more than 3 buttons. */
  | 'too_many_element_buttons'
  /** A carousel element has no buttons, or neither a photo nor a title. */
  | 'incomplete_element'
  /** A carousel element's structure differs from the first element's. */
  | 'element_structure_mismatch'
  /** More than 10 carousel elements. */
  | 'too_many_elements'
  /** A carousel without elements. */
  | 'empty_carousel';

/**
 * A keyboard or carousel breaks one of VK's rules (vk-protocol §8). Thrown by the builders as soon as
 * the problem is known (a label or payload when the button is added, totals on `build()`), so an
 * invalid keyboard is never sent (VK would answer error 911). The message names the rule, the value
 * and where it is (`buttons[row][index]` and the label).
 *
 * @example
 * try { new Keyboard().text('x'.repeat(41)) }
 * catch (error) { if (error instanceof KeyboardError && error.code === 'label_too_long') ... }
 */
export class KeyboardError extends Error {
  override readonly name = 'KeyboardError';
  /** Machine-readable rule that was broken. */
  readonly code: KeyboardErrorCode;
  /** The limit that was exceeded, when the rule is a number (e.g. 40 for `label_too_long`). */
  readonly limit: number | undefined;

  constructor(code: KeyboardErrorCode, message: string, limit?: number) {
    super(message);
    this.code = code;
    this.limit = limit;
  }
}

/** Why callback data could not be packed. */
export type CallbackDataErrorCode =
  /** The packed payload would be longer than VK's 255 characters. */
  | 'payload_too_long'
  /** A value does not fit the schema (wrong type, not one of the enum values, NaN, unknown field). */
  | 'invalid_value';

/**
 * `pack()` (or `filter()`) of callback data was given data that cannot become a button payload.
 * Never thrown by `unpack()`: payloads come from users and a bad one is simply not a match.
 *
 * @example
 * const like = defineCallbackData('like', { id: 'number' });
 * like.pack({ id: Number.NaN }); // CallbackDataError, code 'invalid_value'
 */
export class CallbackDataError extends Error {
  override readonly name = 'CallbackDataError';
  /** Machine-readable reason. */
  readonly code: CallbackDataErrorCode;

  constructor(code: CallbackDataErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
