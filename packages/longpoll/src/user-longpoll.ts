import type { VkApi } from '@vkwire/api-client';
import { untilAborted } from '@vkwire/core';
import { LongPollClient, type LongPollClientOptions, type LongPollHandler } from './client.js';
import type { PollSource } from './engine.js';
import { checkGroupId, checkOption, nonNegativeInteger, requireApi } from './options.js';
import { refusal } from './refusal.js';
import {
  CHAT_CHANGE_TYPES,
  type ChatChangeNumbering,
  type UserEventMap,
  type UserEventType,
  type UserLongPollEvent,
} from './user/events.js';
import { DEFAULT_USER_LONG_POLL_MODE } from './user/server.js';
import { UserLongPollSource } from './user-source.js';

/** Options of `new UserLongPoll(...)`. Only `api` is required. */
export interface UserLongPollOptions extends LongPollClientOptions<UserLongPollEvent> {
  /** A user token's client (scope messages), or a community token's. */
  api: VkApi;
  /** `mode` flags (see USER_LONG_POLL_MODE). @default 202: attachments, extended events, platforms, random_id */
  mode?: number;
  /** How event 52's `type_id` is read: sources number its values differently. @default 'vk_api' */
  chatChangeNumbering?: ChatChangeNumbering;
  /**
   * The account the stream belongs to (a user id, or -group_id): `fromId` of outgoing private
   * messages. @default asked once at start (`-groupId`, the token's community, or the token's user)
   */
  ownerId?: number;
  /** A community whose messages a user token reads (`group_id` of messages.getLongPollServer). */
  groupId?: number;
  /**
   * Scheme for the server `messages.getLongPollServer` names without one.
   * @default the scheme of the API's base URL (https for VK; http for a local sandbox)
   */
  scheme?: 'https' | 'http';
}

const COMPONENT = 'UserLongPoll';

/** Checks what only a User Long Poll client takes. */
function checkOptions(options: UserLongPollOptions): void {
  requireApi(COMPONENT, options?.api);
  checkOption(COMPONENT, 'mode', options.mode, nonNegativeInteger, 'an integer of USER_LONG_POLL_MODE flags');
  checkOption(
    COMPONENT,
    'ownerId',
    options.ownerId,
    (value) => typeof value === 'number' && Number.isSafeInteger(value) && value !== 0,
    'a user id, or -group_id',
  );
  checkGroupId(COMPONENT, options.groupId);
  checkOption(
    COMPONENT,
    'scheme',
    options.scheme,
    (value) => value === 'https' || value === 'http',
    "'https' or 'http'",
  );
  checkOption(
    COMPONENT,
    'chatChangeNumbering',
    options.chatChangeNumbering,
    (value) => typeof value === 'string' && Object.hasOwn(CHAT_CHANGE_TYPES, value),
    `one of ${Object.keys(CHAT_CHANGE_TYPES).join(', ')}`,
  );
}

/**
 * A User Long Poll client (version 3): the same engine and guarantees as `GroupLongPoll` —
 * awaited handlers ordered per conversation, failed 1/2/3 handled, checkpoints, a clean `stop()` —
 * with every event decoded into a typed object (flags named, text HTML-unescaped, attachments and
 * service actions read from the extra fields); unknown codes arrive as `unknown` events.
 *
 * @example
 * const poll = new UserLongPoll({ api: userApi });
 * poll.on('message_new', (event) => console.log(event.peerId, event.text));
 * await poll.start();
 */
export class UserLongPoll extends LongPollClient<UserLongPollEvent> {
  private ownerId: number | undefined;

  constructor(private readonly options: UserLongPollOptions) {
    checkOptions(options);
    super(options, COMPONENT, 'user_long_poll');
    this.ownerId = options.ownerId ?? (options.groupId === undefined ? undefined : -options.groupId);
    this.contextGroupId =
      options.groupId ?? (this.ownerId !== undefined && this.ownerId < 0 ? -this.ownerId : undefined);
  }

  /** Handles every event. */
  on(handler: LongPollHandler<UserLongPollEvent>): this;
  /** Handles events of one type, typed from the user event map. */
  on<Type extends UserEventType>(type: Type, handler: LongPollHandler<UserEventMap[Type]>): this;
  on(typeOrHandler: string | LongPollHandler<UserLongPollEvent>, handler?: LongPollHandler<never>): this {
    if (typeof typeOrHandler === 'function') this.addHandler(undefined, typeOrHandler);
    else if (handler) this.addHandler(typeOrHandler, handler as LongPollHandler<UserLongPollEvent>);
    return this;
  }

  protected eventIdOf(): undefined {
    return undefined;
  }

  /** Finds whose stream this is, so that outgoing private messages get their author. */
  protected override async prepare(signal: AbortSignal): Promise<void> {
    if (this.ownerId !== undefined) return;
    try {
      const info = await untilAborted(this.options.api.tokenInfo(), signal);
      if (info.type === 'group') {
        this.ownerId = -info.groupId;
        this.contextGroupId = info.groupId;
      } else this.ownerId = (await this.options.api.users.get({}, { batch: false, signal }))[0]?.id;
    } catch (error) {
      throw refusal(error, { component: COMPONENT, groupId: this.options.groupId }) ?? error;
    }
  }

  protected createSource(): PollSource<UserLongPollEvent> {
    return new UserLongPollSource({
      api: this.options.api,
      wait: this.options.wait ?? 25,
      mode: this.options.mode ?? DEFAULT_USER_LONG_POLL_MODE,
      groupId: this.options.groupId,
      ownerId: () => this.ownerId,
      chatChangeNumbering: this.options.chatChangeNumbering ?? 'vk_api',
      scheme: this.options.scheme ?? (this.options.api.baseUrl.startsWith('http:') ? 'http' : 'https'),
      http: this.http,
    });
  }
}
