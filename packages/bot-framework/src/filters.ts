import type {
  VK_MESSAGE_ACTION_TYPES,
  VkMessage,
  VkMessageAction,
  VkUnknownEventType,
} from '@vkwire/events-schema';
import type { UserMessage } from '@vkwire/longpoll';
import type { BaseContext } from './context.js';
import type { UserContext } from './user-context.js';

/** Update types whose object is (or holds) a message. */
export type MessageUpdateType = 'message_new' | 'message_reply' | 'message_edit';

/**
 * What `on` takes: an update type of the bot's kind (the event map's for communities, the User
 * Long Poll event map's for a user bot), or `'message'`: a new message someone wrote (a
 * `message_new` that is not a chat service message).
 */
export type UpdateQuery<C extends BaseContext> = Exclude<C['update']['type'], VkUnknownEventType> | 'message';

/** The update type a query stands for. */
export type QueryType<Q> = Q extends 'message' ? 'message_new' : Q;

/**
 * The chat service actions `chatAction` handles, each with the fields VK documents for it. A
 * service message of a known action that lacks one of its fields is not routed as that action (it
 * reaches `on('message_new')` as it is), so a handler never sees a field typed as present that
 * is missing. Newer action types VK sends are seen with `bot.on('message_new')` and `ctx.message.action`.
 */
export const CHAT_ACTION_FIELDS = {
  chat_photo_update: ['photo'],
  chat_photo_remove: [],
  chat_create: ['text'],
  chat_title_update: ['text'],
  chat_invite_user: ['member_id'],
  chat_kick_user: ['member_id'],
  chat_pin_message: ['member_id', 'conversation_message_id'],
  chat_unpin_message: ['member_id'],
  chat_invite_user_by_link: [],
  chat_invite_user_by_message_request: [],
  chat_screenshot: [],
} as const satisfies Record<(typeof VK_MESSAGE_ACTION_TYPES)[number], readonly (keyof VkMessageAction)[]>;

/** A chat service action type (`chat_invite_user`, `chat_title_update`, ...): one VK's schema names. */
export type ChatActionType = keyof typeof CHAT_ACTION_FIELDS;

/** A chat service action of one type: the fields VK documents for it are present. */
export type ChatAction<T extends ChatActionType> = VkMessageAction & { readonly type: T } & {
  readonly [K in (typeof CHAT_ACTION_FIELDS)[T][number]]-?: NonNullable<VkMessageAction[K]>;
};

/** The fields a message update's context has for sure. */
interface MessageFields<M> {
  readonly message: M;
  readonly text: string;
  readonly peerId: number;
  readonly senderId: number;
}

/** The fields a callback button press's context has for sure. */
interface PressFields {
  readonly peerId: number;
  readonly senderId: number;
  readonly text: undefined;
}

type Narrowed<C extends BaseContext, T> = T extends MessageUpdateType
  ? MessageFields<C extends UserContext ? UserMessage : VkMessage>
  : T extends 'message_event'
    ? C extends UserContext
      ? unknown
      : PressFields
    : unknown;

/**
 * The context `on(query)` hands its handlers: the update narrowed to the query's type, and the
 * fields that type always has (`text`, `peerId`, `message`, ...) without `undefined`.
 *
 * @example
 * bot.on('message_new', (ctx: Filtered<Context, 'message_new'>) => ctx.message.text.length);
 */
export type Filtered<C extends BaseContext, Q extends string> = C & {
  readonly update: Extract<C['update'], { type: QueryType<Q> }>;
} & Narrowed<C, QueryType<Q>>;

/** The context of a message handler (`hears`, `command`): a message with its text. */
export type MessageContext<C extends BaseContext> = Filtered<C, 'message_new'>;

/** The context of `hears`: a new message, and the regular expression's match. */
export type HearsContext<C extends BaseContext> = MessageContext<C> & { match: RegExpExecArray };

/** The context of a chat service message of one action type: `ctx.action` typed. */
export type ChatActionContext<C extends BaseContext, T extends ChatActionType> = MessageContext<C> & {
  readonly action: ChatAction<T>;
};

/** Whether a service action is of one of `types` and carries the fields VK documents for its type. */
export function isChatAction(action: { type: string } | undefined, types: ReadonlySet<string>): boolean {
  if (action === undefined || !types.has(action.type)) return false;
  const required: readonly string[] = CHAT_ACTION_FIELDS[action.type as ChatActionType] ?? [];
  const fields = action as unknown as Record<string, unknown>;
  return required.every((field) => fields[field] !== undefined && fields[field] !== null);
}

/** Whether the context's update answers a query (`'message'`: new messages that are not service messages). */
export function matchesQuery(ctx: BaseContext, query: string): boolean {
  const type = ctx.update.type;
  if (query === 'message') return type === 'message_new' && serviceAction(ctx) === undefined;
  return type === query;
}

/** The chat service action of a message update, if it is one. */
export function serviceAction(ctx: BaseContext): { type: string } | undefined {
  const message = (ctx as { message?: { action?: { type: string } } }).message;
  return message?.action;
}
