// Normalized events for the bus benchmarks: message_new from one of `conversations` users, with an
// event_id that encodes its index (so a run can tell which events reached the stream without
// keeping their ids).
import { normalizeSync, parseUpdate, type VkwireEvent } from '@vkwire/events-schema';

/** The event_id of event `index`: 40 hex digits, as VK's look. */
export function benchEventId(index: number): string {
  return index.toString(16).padStart(40, '0');
}

/** The index of an event_id made by {@link benchEventId}. */
export function benchEventIndex(eventId: string): number {
  return Number.parseInt(eventId, 16);
}

/** What a bench message_new says about its user's client (VK's `client_info`). */
export const BENCH_CLIENT_INFO = {
  button_actions: ['text', 'vkpay', 'open_app', 'location', 'open_link', 'callback'],
  keyboard: true,
  inline_keyboard: true,
  carousel: true,
  lang_id: 0,
};

/** The parts of a bench message_new that differ between scenarios. */
export interface BenchMessage {
  /** The event's index: its event_id ({@link benchEventId}), message id and version. */
  index: number;
  /** The author, who writes in a private dialog (`peer_id` = `from_id`). */
  user: number;
  text: string;
  /** @default index + 1 */
  cmid?: number;
  /** @default {@link BENCH_CLIENT_INFO} */
  clientInfo?: object;
}

/** A raw message_new as VK's Bots Long Poll sends it (JSON, not parsed yet). */
export function benchMessageUpdate(message: BenchMessage): Record<string, unknown> {
  const { index, user } = message;
  return {
    group_id: 218734561,
    type: 'message_new',
    event_id: benchEventId(index),
    v: '5.199',
    object: {
      message: {
        date: 1748761325,
        from_id: user,
        id: index + 1,
        out: 0,
        version: 10_000_000 + index,
        attachments: [],
        conversation_message_id: message.cmid ?? index + 1,
        fwd_messages: [],
        important: false,
        is_hidden: false,
        peer_id: user,
        random_id: 0,
        text: message.text,
      },
      client_info: message.clientInfo ?? BENCH_CLIENT_INFO,
    },
  };
}

/**
 * Event `index` of a bench run: a message_new of user `100_000_001 + index % conversations`, text
 * long enough for ~1.3 KB of event JSON (Cyrillic, as a real community's users write).
 */
export function benchMessageEvent(index: number, conversations: number): VkwireEvent {
  return normalizeSync(
    parseUpdate(
      benchMessageUpdate({
        index,
        user: 100_000_001 + (index % conversations),
        text: `Здравствуйте! Подскажите, пожалуйста, работаете ли вы в выходные и можно ли заказать доставку к 10 утра? Заказ №${index}`,
      }),
    ),
  );
}
