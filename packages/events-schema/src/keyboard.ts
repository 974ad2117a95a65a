import * as z from 'zod';
import { vkObject } from './vk-object.js';
import { openEnum, vkBoolean } from './vk-values.js';

/** Button action types VK documents; others pass as plain strings. */
export const VK_BUTTON_ACTION_TYPES = [
  'text',
  'callback',
  'open_link',
  'location',
  'vkpay',
  'open_app',
  'open_photo',
  'intent_subscribe',
  'intent_unsubscribe',
  'open_modal_view',
] as const;

/**
 * What a keyboard button does. One loose object for every action type (rather than a union) so a
 * new action type or field never breaks parsing; `payload` is a JSON **string** here (it is parsed
 * only in `message_event`).
 */
export const vkButtonActionSchema = vkObject({
  type: openEnum(VK_BUTTON_ACTION_TYPES),
  label: z.string().optional(),
  payload: z.string().optional(),
  link: z.string().optional(),
  hash: z.string().optional(),
  app_id: z.number().optional(),
  owner_id: z.number().optional(),
});
/** A button action (see {@link vkButtonActionSchema}). */
export type VkButtonAction = z.output<typeof vkButtonActionSchema>;

/** A keyboard button. `color` applies to `text` and `callback` buttons. */
export const vkKeyboardButtonSchema = vkObject({
  action: vkButtonActionSchema,
  color: openEnum(['primary', 'secondary', 'negative', 'positive', 'default']).optional(),
});
/** A keyboard button (see {@link vkKeyboardButtonSchema}). */
export type VkKeyboardButton = z.output<typeof vkKeyboardButtonSchema>;

/** A keyboard attached to a message (`author_id` is `-group_id` for the community's own keyboards). */
export const vkKeyboardSchema = vkObject({
  one_time: vkBoolean.optional(),
  inline: vkBoolean.optional(),
  author_id: z.number().optional(),
  buttons: z.array(z.array(vkKeyboardButtonSchema)),
});
/** A keyboard (see {@link vkKeyboardSchema}). */
export type VkKeyboard = z.output<typeof vkKeyboardSchema>;

/** A carousel template attached to a message; elements kept loose. */
export const vkTemplateSchema = vkObject({
  type: openEnum(['carousel']),
  elements: z.array(z.looseObject({})).optional(),
});
/** A template (see {@link vkTemplateSchema}). */
export type VkTemplate = z.output<typeof vkTemplateSchema>;
