import type { VkApi } from '@vkwire/api-client';
import { LongPollClient, type LongPollClientOptions, type UpdateHandler } from './client.js';
import type { PollSource } from './engine.js';
import type { UserEventMap, UserEventType, UserLongPollEvent } from './user/events.js';
import { DEFAULT_USER_LONG_POLL_MODE } from './user/server.js';
import { UserLongPollSource } from './user-source.js';

/** Options of `new UserLongPoll(...)`. Only `api` is required. */
export interface UserLongPollOptions extends LongPollClientOptions<UserLongPollEvent> {
  /** A user token's client (scope messages), or a community token's. */
  api: VkApi;
  /** `mode` flags (see USER_LONG_POLL_MODE). @default 202: attachments, extended events, platforms, random_id */
  mode?: number;
  /** A community whose messages a user token reads (`group_id` of messages.getLongPollServer). */
  groupId?: number;
  /**
   * Scheme for the server `messages.getLongPollServer` names without one.
   * @default the scheme of the API's base URL (https for VK; http for a local sandbox)
   */
  scheme?: 'https' | 'http';
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
  constructor(private readonly options: UserLongPollOptions) {
    super(options);
  }

  /** Handles every event. */
  on(handler: UpdateHandler<UserLongPollEvent>): this;
  /** Handles events of one type, typed from the user event map. */
  on<Type extends UserEventType>(type: Type, handler: UpdateHandler<UserEventMap[Type]>): this;
  on(typeOrHandler: string | UpdateHandler<UserLongPollEvent>, handler?: UpdateHandler<never>): this {
    if (typeof typeOrHandler === 'function') this.addHandler(undefined, typeOrHandler);
    else if (handler) this.addHandler(typeOrHandler, handler as UpdateHandler<UserLongPollEvent>);
    return this;
  }

  protected createSource(): PollSource<UserLongPollEvent> {
    return new UserLongPollSource({
      api: this.options.api,
      wait: this.options.wait ?? 25,
      mode: this.options.mode ?? DEFAULT_USER_LONG_POLL_MODE,
      groupId: this.options.groupId,
      scheme: this.options.scheme ?? (this.options.api.baseUrl.startsWith('http:') ? 'http' : 'https'),
      http: this.http,
    });
  }
}
