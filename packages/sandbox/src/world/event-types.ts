import { VK_EVENT_TYPES, type VkEventType } from '@vkwire/events-schema';

/** Known event types VK has no switch for in `groups.setCallbackSettings` / `setLongPollSettings`. */
const NO_FLAG = ['vkpay_transaction', 'app_payload'] as const satisfies readonly VkEventType[];

/** A flag of `groups.setCallbackSettings`: the event type it switches. */
export type CallbackEventFlag = Exclude<VkEventType, (typeof NO_FLAG)[number]>;

/** Flags the Callback list has but `groups.setLongPollSettings` does not take (vk-protocol §5.5). */
const CALLBACK_ONLY = [
  'lead_forms_new',
  'market_order_new',
  'market_order_edit',
  'wall_schedule_post_new',
  'wall_schedule_post_delete',
] as const satisfies readonly CallbackEventFlag[];

/** A flag of `groups.setLongPollSettings`: the event type it switches. */
export type LongPollEventFlag = Exclude<CallbackEventFlag, (typeof CALLBACK_ONLY)[number]>;

function isCallbackFlag(type: VkEventType): type is CallbackEventFlag {
  return !(NO_FLAG as readonly string[]).includes(type);
}

function isLongPollFlag(type: CallbackEventFlag): type is LongPollEventFlag {
  return !(CALLBACK_ONLY as readonly string[]).includes(type);
}

/**
 * Event flags `groups.setCallbackSettings` accepts at the API version vkwire speaks (vk-protocol
 * §5.5): every event type of @vkwire/events-schema's event map that VK lets a server switch. The
 * flag name is the event type it switches.
 */
export const CALLBACK_EVENT_FLAGS: readonly CallbackEventFlag[] = Object.freeze(
  VK_EVENT_TYPES.filter(isCallbackFlag),
);

/** Event flags `groups.setLongPollSettings` accepts: the Callback flags without the Callback-only ones. */
export const LONG_POLL_EVENT_FLAGS: readonly LongPollEventFlag[] = Object.freeze(
  CALLBACK_EVENT_FLAGS.filter(isLongPollFlag),
);

/** A map of every given flag to the same value. */
export function allFlags(flags: readonly string[], value: 0 | 1): Record<string, 0 | 1> {
  return Object.fromEntries(flags.map((flag) => [flag, value]));
}
