import { VkApi, type VkApiOptions } from '@vkwire/api-client';
import { type UpdateContext, VkwireConfigError } from '@vkwire/core';
import { type LongPollContext, UserLongPoll, type UserLongPollEvent } from '@vkwire/longpoll';
import { BotBase, type BotBaseOptions, type BotEvents } from './bot-base.js';
import { type Context, deliveryOf } from './context.js';
import { PeerQueue } from './peer-queue.js';
import { WaitRegistry } from './state/wait/registry.js';
import { UserContext } from './user-context.js';

const COMPONENT = 'UserBot';

/** Builds a user bot's contexts: `UserContext` or a subclass of it. */
export type UserContextConstructor<C extends UserContext> = new (
  update: UserLongPollEvent,
  api: VkApi,
  delivery: UpdateContext,
) => C;

/** Options of `new UserBot(...)`. */
export interface UserBotOptions<C extends UserContext = UserContext> extends BotBaseOptions {
  /** The user token (scope `messages`). */
  token?: string;
  /** API base (the sandbox's `apiUrl` in tests). @default VK's */
  baseUrl?: string;
  /** An existing API client (wins over `token`; the bot does not close it). */
  api?: VkApi;
  /** Further options of the API client the bot creates. */
  apiOptions?: Omit<VkApiOptions, 'token' | 'baseUrl'>;
  /**
   * Hand the account's own messages to the handlers too. Off by default, so a bot that answers
   * what it hears does not answer itself. @default false
   */
  handleOutgoing?: boolean;
  /** User Long Poll settings. */
  longPoll?: { wait?: number; mode?: number };
  /** The context class. @default UserContext */
  context?: UserContextConstructor<C>;
}

/**
 * A bot on a user account, over User Long Poll: the same tree as a community bot (`command`,
 * `hears`, `on` with the User Long Poll event types, routers, checks), so commands and message
 * handlers work alike. `ctx.update` is the decoded User Long Poll event.
 *
 * @example
 * const bot = new UserBot({ token: process.env.VK_USER_TOKEN! });
 * bot.command('ping', () => 'pong');
 * bot.on('friend_online', (ctx) => console.log(ctx.update.userId));
 * await bot.start();
 */
export class UserBot<C extends UserContext = UserContext, E extends BotEvents = BotEvents> extends BotBase<
  C,
  E
> {
  /** The account's API client. */
  readonly api: VkApi;
  private readonly ownsApi: boolean;
  private readonly contextType: UserContextConstructor<C>;
  private readonly queue: PeerQueue;
  private readonly waits: WaitRegistry;
  private poll: UserLongPoll | undefined;

  constructor(private readonly options: UserBotOptions<C>) {
    super(COMPONENT, options ?? {});
    if (options.api === undefined && (typeof options.token !== 'string' || options.token === ''))
      throw new VkwireConfigError(COMPONENT, 'token', 'a user token (or an `api` client)', {
        got: options.token,
        secret: true,
      });
    this.api =
      options.api ??
      new VkApi({
        // A user bot: its token is paced at the user rate from the first call.
        tokenType: 'user',
        ...options.apiOptions,
        token: options.token as string,
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
        ...(options.apiOptions?.logger === undefined && options.logger !== undefined
          ? { logger: options.logger }
          : {}),
      });
    this.ownsApi = options.api === undefined;
    this.contextType = options.context ?? (UserContext as unknown as UserContextConstructor<C>);
    this.queue = new PeerQueue(this.concurrency);
    this.waits = new WaitRegistry(this.logger);
  }

  /**
   * Handles one decoded event from any source; resolves when it is handled (a handler that waits
   * with `ctx.waitFor` counts as done once it starts waiting). Rejects with `BotStateError` after
   * `stop()`.
   */
  async handleUpdate(event: UserLongPollEvent, delivery?: Partial<UpdateContext>): Promise<void> {
    this.assertOpen();
    const peer = 'peerId' in event && typeof event.peerId === 'number' ? event.peerId : undefined;
    await this.tracked(this.queue.run(peer, () => this.deliver(event, delivery)));
  }

  private async deliver(
    event: UserLongPollEvent,
    delivery: Partial<UpdateContext> | undefined,
  ): Promise<void> {
    if (
      !this.options.handleOutgoing &&
      (event.type === 'message_new' || event.type === 'message_edit') &&
      event.flags.outbox
    )
      return;
    const ctx = new this.contextType(
      event,
      this.api,
      deliveryOf(delivery, { groupId: undefined, eventId: undefined, signal: this.runController.signal }),
    );
    // A waiting handler (`ctx.waitFor`) gets the events it waits for before the tree does.
    await this.waits.deliver(
      ctx as unknown as Context,
      (own) => this.dispatch(own as unknown as C),
      (rest) => void this.tracked(rest),
    );
  }

  protected override cancelWaits(): void {
    this.waits.cancelAll();
  }

  protected async startIntake(): Promise<void> {
    const settings = this.options.longPoll ?? {};
    const poll = new UserLongPoll({
      api: this.api,
      concurrency: this.concurrency,
      stopTimeoutMs: this.stopTimeoutMs,
      logger: this.logger,
      ...(settings.wait === undefined ? {} : { wait: settings.wait }),
      ...(settings.mode === undefined ? {} : { mode: settings.mode }),
    });
    poll.on((event: UserLongPollEvent, context: LongPollContext) => this.deliver(event, context));
    this.poll = poll;
    await poll.start();
  }

  protected async stopIntake(): Promise<number> {
    return (await this.poll?.stop())?.abandoned ?? 0;
  }

  protected async closeResources(): Promise<void> {
    if (this.ownsApi) await this.api.close();
  }
}
