import { VK_BUTTON_ACTION_TYPES } from '@vkwire/events-schema';
import { VkError } from '../api/errors.js';
import type { VkObject } from './types.js';

const BUTTON_TYPES: ReadonlySet<string> = new Set(VK_BUTTON_ACTION_TYPES);
const COLORS = new Set(['primary', 'secondary', 'negative', 'positive', 'default']);
const LABELLED = new Set(['text', 'callback', 'open_link', 'open_app']);

function invalid(detail: string): VkError {
  return new VkError(911, detail);
}

function isObject(value: unknown): value is VkObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a keyboard the way VK does (limits of vk-protocol §8.1) and returns it; error 911
 * naming the first problem otherwise.
 */
export function validateKeyboard(value: unknown): VkObject {
  if (!isObject(value) || !Array.isArray(value.buttons)) throw invalid('buttons must be an array of rows');
  const inline = value.inline === true || value.inline === 1;
  const maxRows = inline ? 6 : 10;
  const maxButtons = inline ? 10 : 40;
  if (value.buttons.length > maxRows) throw invalid(`too many rows: ${value.buttons.length} > ${maxRows}`);
  let total = 0;
  value.buttons.forEach((row: unknown, rowIndex) => {
    if (!Array.isArray(row)) throw invalid(`buttons[${rowIndex}] must be an array`);
    if (row.length > 5) throw invalid(`buttons[${rowIndex}] has more than 5 buttons`);
    row.forEach((button: unknown, index) => {
      const where = `buttons[${rowIndex}][${index}]`;
      if (!isObject(button) || !isObject(button.action)) throw invalid(`${where}.action must be an object`);
      const { action } = button;
      if (typeof action.type !== 'string' || !BUTTON_TYPES.has(action.type))
        throw invalid(`${where}.action.type is unknown`);
      if (LABELLED.has(action.type)) {
        if (typeof action.label !== 'string' || action.label.length === 0)
          throw invalid(`${where}.action.label is required`);
        if (action.label.length > 40) throw invalid(`${where}.action.label is longer than 40 characters`);
      }
      if (
        action.payload !== undefined &&
        (typeof action.payload !== 'string' || action.payload.length > 255)
      ) {
        throw invalid(`${where}.action.payload must be a string of at most 255 characters`);
      }
      if (action.type === 'open_link' && typeof action.link !== 'string')
        throw invalid(`${where}.action.link is required`);
      if (button.color !== undefined && (typeof button.color !== 'string' || !COLORS.has(button.color))) {
        throw invalid(`${where}.color is unknown`);
      }
      total += 1;
    });
  });
  if (total > maxButtons) throw invalid(`too many buttons: ${total} > ${maxButtons}`);
  return value;
}
