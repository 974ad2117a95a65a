/**
 * VK's keyboard and carousel limits (vk-protocol §8). Lengths are counted in UTF-16 code units, as
 * JavaScript's `length` counts them: the stricter reading when a label holds emoji, so a keyboard
 * that passes here is never refused for its lengths.
 *
 * @example
 * if (labels.length > KEYBOARD_LIMITS.inline.buttons) useStandardKeyboard();
 */
export const KEYBOARD_LIMITS = {
  /** A standard keyboard (below the input field). */
  standard: { buttonsPerRow: 5, rows: 10, buttons: 40 },
  /** An inline keyboard (inside the message). */
  inline: { buttonsPerRow: 5, rows: 6, buttons: 10 },
  /** Characters of a button label. */
  label: 40,
  /** Characters of a button payload (the JSON string). */
  payload: 255,
  /** Carousel templates. */
  carousel: { elements: 10, buttonsPerElement: 3, title: 80, description: 80 },
} as const;
