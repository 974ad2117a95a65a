/**
 * Keyboard, template, forward and event_data objects as a caller sends them, as VK's docs
 * describe them. The official type package gets some of these wrong (it has no `secondary`
 * color), so these are ours. The `...Input` names keep them apart from the keyboards that arrive
 * in events (`VkKeyboardInput` of @vkwire/events-schema).
 */

/** Button colors (text and callback buttons). */
export type VkButtonColor = 'primary' | 'secondary' | 'negative' | 'positive';

/** A button's action, as sent. `payload` is a JSON string of at most 255 characters. */
export type VkButtonActionInput =
  | { type: 'text'; label: string; payload?: string }
  | { type: 'callback'; label: string; payload?: string }
  | { type: 'open_link'; link: string; label: string; payload?: string }
  | { type: 'location'; payload?: string }
  | { type: 'vkpay'; hash: string; payload?: string }
  | { type: 'open_app'; app_id: number; owner_id?: number; hash?: string; label: string; payload?: string };

/** One button of an outgoing keyboard. */
export interface VkKeyboardButtonInput {
  action: VkButtonActionInput;
  color?: VkButtonColor;
}

/** A keyboard to send (`keyboard` of messages.send/edit); `{ buttons: [] }` hides a standard one. */
export interface VkKeyboardInput {
  one_time?: boolean;
  inline?: boolean;
  buttons: VkKeyboardButtonInput[][];
}

/** A carousel template (`template` of messages.send). */
export interface VkCarouselTemplate {
  type: 'carousel';
  elements: Array<{
    title?: string;
    description?: string;
    photo_id?: string;
    action?: { type: 'open_link'; link: string } | { type: 'open_photo' };
    buttons: VkKeyboardButtonInput[];
  }>;
}

/** `forward` of messages.send: forward messages, or reply to one (`is_reply`), by cmid in chats. */
export interface VkForward {
  peer_id: number;
  conversation_message_ids?: number[];
  message_ids?: number[];
  is_reply?: boolean;
}

/** `event_data` of messages.sendMessageEventAnswer. */
export type VkEventData =
  | { type: 'show_snackbar'; text: string }
  | { type: 'open_link'; link: string }
  | { type: 'open_app'; app_id: number; owner_id?: number; hash?: string };
