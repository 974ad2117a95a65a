import type * as z from 'zod';
import type { VkUpdateEnvelope } from './envelope.js';
import { vkCommunityEvents } from './events/community.js';
import { vkDonutEvents } from './events/donut.js';
import { vkMarketEvents } from './events/market.js';
import { vkMediaEvents } from './events/media.js';
import { vkMessageEvents } from './events/messages.js';
import { vkWallEvents } from './events/wall.js';

/**
 * The event map: every community event type VK documents for the API version vkwire speaks
 * (`VK_API_VERSION`) → the zod schema of its
 * `object`. It is the one list of event types; every type below is derived from it.
 *
 * @example
 * const photo = vkEventSchemas.photo_new.parse(update.object);
 */
export const vkEventSchemas = {
  ...vkMessageEvents,
  ...vkMediaEvents,
  ...vkWallEvents,
  ...vkMarketEvents,
  ...vkCommunityEvents,
  ...vkDonutEvents,
} as const;

/** A known event type, e.g. `'message_new'`. */
export type VkEventType = keyof typeof vkEventSchemas;

/**
 * Every known event type, in the order of the event map (messages, media, wall, market, community,
 * donut). Derived from {@link vkEventSchemas}: use it instead of writing the list again.
 *
 * @example
 * const flags = Object.fromEntries(VK_EVENT_TYPES.map((type) => [type, 1]));
 */
export const VK_EVENT_TYPES: readonly VkEventType[] = Object.freeze(
  Object.keys(vkEventSchemas) as VkEventType[],
);

/**
 * Event type → type of its parsed `object`.
 *
 * @example
 * function onMessage(object: VkEventMap['message_new']) {
 *   console.log(object.message.text, object.client_info?.inline_keyboard);
 * }
 */
export type VkEventMap = { [Type in VkEventType]: z.output<(typeof vkEventSchemas)[Type]> };

/**
 * A parsed update of one known type: what a handler for that type receives.
 *
 * @example
 * type Handler<T extends VkEventType> = (update: VkUpdateOf<T>) => Promise<void>;
 * const onButton: Handler<'message_event'> = async (update) => {
 *   await answer(update.object.event_id, update.object.user_id, update.object.peer_id);
 * };
 */
export type VkUpdateOf<Type extends VkEventType> = VkUpdateEnvelope & {
  type: Type;
  object: VkEventMap[Type];
};

/** Any parsed update of a known type, discriminated by `type`. */
export type VkUpdate = { [Type in VkEventType]: VkUpdateOf<Type> }[VkEventType];

/**
 * The `type` of a {@link VkUnknownUpdate}. At run time it is the plain string VK sent; in the types
 * it is a template literal no known type matches, so that `update.type === 'message_new'` (or a
 * `case 'message_new':`) narrows a {@link VkParsedUpdate} to the message_new variant and the
 * `default` branch is left with the unknown one. (A branded `string & {…}` does not narrow: TypeScript
 * keeps non-literal members in every branch.) Use it as a string (`update.type.startsWith('x')`, a
 * `Map<string, …>` key); to compare it with a type this package does not know, widen it first:
 * `(update.type as string) === 'new_vk_event'`.
 */
export type VkUnknownEventType = `${string} (not a known event type)`;

/**
 * An update whose `type` this package does not know (VK added a type): its object is kept as VK
 * sent it. Its `type` is never a known type (see {@link VkUnknownEventType}).
 */
export type VkUnknownUpdate = VkUpdateEnvelope & {
  type: VkUnknownEventType;
  object: { [key: string]: unknown };
};

/**
 * What `parseUpdate` returns: a known update or an unknown one, discriminated by `type`. Comparing
 * `type` with a known type narrows to that type's variant; what is left after every known `case`
 * is the unknown variant.
 *
 * @example
 * switch (update.type) {
 *   case 'message_new': return onText(update.object.message.text);
 *   case 'group_join': return greet(update.object.user_id);
 *   default: log.debug({ type: update.type }, 'not handled');
 * }
 */
export type VkParsedUpdate = VkUpdate | VkUnknownUpdate;

/** Whether `type` is a known event type. */
export function isKnownEventType(type: string): type is VkEventType {
  return Object.hasOwn(vkEventSchemas, type);
}

/**
 * Narrows a parsed update to the known union (e.g. to hand it to code that takes a {@link VkUpdate}).
 *
 * @example
 * if (isKnownUpdate(update)) {
 *   switch (update.type) {
 *     case 'message_new': return onText(update.object.message.text);
 *     case 'group_join': return greet(update.object.user_id);
 *   }
 * }
 */
export function isKnownUpdate(update: VkParsedUpdate): update is VkUpdate {
  return isKnownEventType(update.type);
}

/**
 * Narrows a parsed update to one type.
 *
 * @example
 * if (isUpdateOf(update, 'message_event')) console.log(update.object.payload);
 */
export function isUpdateOf<Type extends VkEventType>(
  // `| VkUpdateOf<Type>` only so that the predicate is a subtype of the parameter for a generic `Type`.
  update: VkParsedUpdate | VkUpdateOf<Type>,
  type: Type,
): update is VkUpdateOf<Type> {
  // Sound because parsing routes every known type through its own schema.
  return update.type === type;
}
