import type { CallOptions } from './engine.js';
import type { VkMethods } from './generated/methods.js';
import type { MessagesSendParams, MessagesSendUserIdsResponse } from './generated/vk-schema.js';
import type { VkCarouselTemplate, VkEventData, VkForward, VkKeyboardInput } from './keyboard-types.js';

/** Every VK method name. */
export type VkMethodName = keyof VkMethods;

/** Parameters VK takes as JSON strings; objects are accepted and encoded. */
interface JsonParams {
  keyboard: VkKeyboardInput;
  template: VkCarouselTemplate;
  forward: VkForward;
  event_data: VkEventData;
  content_source: Readonly<Record<string, unknown>>;
}

/** A parameter as callers may give it: comma lists as arrays, flags as booleans or 0/1. */
type Loose<T> = T extends string
  ? T | ReadonlyArray<string | number> | (string extends T ? number : never)
  : T extends boolean
    ? T | 0 | 1
    : T extends 0 | 1
      ? T | boolean
      : T;

/** The parameters of a method as `api.section.method(params)` takes them. */
export type VkParams<P> = { [K in keyof P]: K extends keyof JsonParams ? P[K] | JsonParams[K] : Loose<P[K]> };

// `-?` strips undefined from P[K], so optionality is tested on Pick<P, K> instead.
type RequiredKeys<P> = { [K in keyof P]-?: Record<never, never> extends Pick<P, K> ? never : K }[keyof P];

/** The function of one method: params may be left out when none is required. */
type MethodFunction<M extends VkMethodName> = [RequiredKeys<VkMethods[M]['params']>] extends [never]
  ? (params?: VkParams<VkMethods[M]['params']>, options?: CallOptions) => Promise<VkMethods[M]['response']>
  : (params: VkParams<VkMethods[M]['params']>, options?: CallOptions) => Promise<VkMethods[M]['response']>;

/** Section names (`messages`, `groups`, ...). */
export type VkSectionName = VkMethodName extends infer M
  ? M extends `${infer S}.${string}`
    ? S
    : never
  : never;

/** The methods of one section. */
export type VkSection<S extends string> = {
  [M in VkMethodName as M extends `${S}.${infer Name}` ? Name : never]: M extends VkMethodName
    ? MethodFunction<M>
    : never;
};

/** The fields that name where a message goes: `messages.send` takes exactly one of them. */
export type MessagesSendRecipient = 'peer_id' | 'peer_ids' | 'user_id' | 'domain' | 'chat_id';

/** `K` with the value `T`, and none of the other recipient fields. */
type OnlyRecipient<K extends MessagesSendRecipient, T> = { [P in K]: T } & {
  [P in Exclude<MessagesSendRecipient, K>]?: never;
};

/** What a message says and how (everything but the recipient). */
type MessagesSendBody = VkParams<Omit<MessagesSendParams, MessagesSendRecipient>>;

/**
 * The parameters of `messages.send` to one recipient: exactly one of `peer_id`, `user_id`,
 * `domain` (a screen name) or `chat_id`. A send without a recipient does not compile.
 */
export type MessagesSendInput = MessagesSendBody &
  (
    | OnlyRecipient<'peer_id', number>
    | OnlyRecipient<'user_id', number>
    | OnlyRecipient<'domain', string>
    | OnlyRecipient<'chat_id', number>
  );

/** The parameters of `messages.send` to several peers at once: `peer_ids` (at most 100) and no other recipient. */
export type MessagesSendManyInput = MessagesSendBody &
  OnlyRecipient<'peer_ids', string | ReadonlyArray<number>>;

/** `messages.send` answers an id for one peer, and one item per peer for `peer_ids`. `random_id` is filled in. */
export interface MessagesSend {
  (params: MessagesSendManyInput, options?: CallOptions): Promise<MessagesSendUserIdsResponse>;
  (params: MessagesSendInput, options?: CallOptions): Promise<number>;
}

/** The parameters `api.call(method, params)` takes: the method's, with `messages.send`'s recipient rule. */
export type VkCallParams<M extends VkMethodName> = M extends 'messages.send'
  ? MessagesSendInput | MessagesSendManyInput
  : VkParams<VkMethods[M]['params']>;

/** The arguments after the method name of `api.call`: params are required for `messages.send` (its recipient). */
export type VkCallArgs<M extends VkMethodName> = M extends 'messages.send'
  ? [params: VkCallParams<M>, options?: CallOptions]
  : [params?: VkCallParams<M>, options?: CallOptions];

/** Every section of the API, typed from VK's official schema. */
export type VkApiSections = {
  [S in VkSectionName]: S extends 'messages'
    ? Omit<VkSection<'messages'>, 'send'> & { send: MessagesSend }
    : VkSection<S>;
};
