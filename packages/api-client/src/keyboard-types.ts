/**
 * Keyboard, template, forward and event_data objects as VK's docs describe them. The official
 * type package gets some of these wrong (it has no `secondary` color), so these are ours.
 */

/** Button colors (text and callback buttons). */
export type VkButtonColor = 'primary' | 'secondary' | 'negative' | 'positive';

/** A button's action. `payload` is a JSON string of at most 255 characters. */
export type VkButtonAction =
  | { type: 'text'; label: string; payload?: string }
  | { type: 'callback'; label: string; payload?: string }
  | { type: 'open_link'; link: string; label: string; payload?: string }
  | { type: 'location'; payload?: string }
  | { type: 'vkpay'; hash: string; payload?: string }
  | { type: 'open_app'; app_id: number; owner_id?: number; hash?: string; label: string; payload?: string };

/** One button. */
export interface VkKeyboardButton {
  action: VkButtonAction;
  color?: VkButtonColor;
}

/** A keyboard (`keyboard` of messages.send/edit); `{ buttons: [] }` hides a standard one. */
export interface VkKeyboard {
  one_time?: boolean;
  inline?: boolean;
  buttons: VkKeyboardButton[][];
}

/** A carousel template (`template` of messages.send). */
export interface VkCarouselTemplate {
  type: 'carousel';
  elements: Array<{
    title?: string;
    description?: string;
    photo_id?: string;
    action?: { type: 'open_link'; link: string } | { type: 'open_photo' };
    buttons: VkKeyboardButton[];
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
