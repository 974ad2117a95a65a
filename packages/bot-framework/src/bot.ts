import type { IncomingMessage, ServerResponse } from 'node:http';
import { VkApi, type VkApiOptions } from '@vkwire/api-client';
import {
  type CallbackContext,
  CallbackGroups,
  type CallbackReceiver,
  type CallbackReceiverOptions,
  configureCallbackServer,
  createCallbackReceiver,
} from '@vkwire/callback';
import {
  type CallbackServer,
  createNodeCallbackHandler,
  type NodeCallbackHandler,
  serveCallback,
} from '@vkwire/callback/node';
import { type CheckpointStore, type StopResult, type UpdateContext, VkwireConfigError } from '@vkwire/core';
import { updateOrderKey, VK_EVENT_TYPES, type VkEventType, type VkParsedUpdate } from '@vkwire/events-schema';
import { GroupLongPoll, type LongPollContext } from '@vkwire/longpoll';
import { BotBase, type BotBaseOptions, type BotEvents } from './bot-base.js';
import { Context, deliveryOf } from './context.js';
import { BotStateError } from './errors.js';
import type { MiddlewareFn } from './middleware.js';
import { PeerQueue } from './peer-queue.js';
import {
  type ConversationEndHook,
  Conversations,
  type ConversationsFlavor,
  type ConversationsOptions,
} from './state/conversation/conversations.js';
import type { ConversationFn } from './state/conversation/run.js';
import type { ViewOptions } from './state/view/options.js';
import { View, type ViewBuilder } from './state/view/view.js';
import { WaitRegistry } from './state/wait/registry.js';

const COMPONENT = 'Bot';

/** One community a bot serves: its token (or API client) and, for the Callback API, its keys. */
export interface CommunityOptions {
  /** The community's token. */
  token?: string;
  /** An existing API client for it (wins over `token`; the bot does not close it). */
  api?: VkApi;
  /** The community's id. @default detected from the token at `start()` */
  groupId?: number;
  /** Its callback server's secret key. @default the bot's `secret` */
  secret?: string;
  /** Its confirmation code for the Callback API. @default the bot's `confirmation` */
  confirmation?: string;
}

/** Builds a bot's contexts: `Context` or a subclass of it (plugins add fields that way). */
export type ContextConstructor<C extends Context> = new (
  update: VkParsedUpdate,
  api: VkApi,
  delivery: UpdateContext,
) => C;

/** Options of `new Bot(...)`: one community (`token` or `api`) or several (`communities`). */
export interface BotOptions<C extends Context = Context> extends BotBaseOptions {
  /** The community's token. */
  token?: string;
  /** API base for the clients the bot creates (the sandbox's `apiUrl` in tests). @default VK's */
  baseUrl?: string;
  /** An existing API client (wins over `token` and `baseUrl`; the bot does not close it). */
  api?: VkApi;
  /** The community's id. @default detected from the token */
  groupId?: number;
  /**
   * Several communities served by one handler tree, each with its own API client (own rate
   * limit), long poll or Callback API keys. A plain string is a token. `ctx.groupId` and `ctx.api`
   * are those of the update's community.
   */
  communities?: ReadonlyArray<CommunityOptions | string>;
  /** The callback server's secret key (for every community that has none of its own). */
  secret?: string;
  /** The Callback API confirmation code (for every community that has none of its own). */
  confirmation?: string;
  /** Further options of the API clients the bot creates (rate, retries, logger...). */
  apiOptions?: Omit<VkApiOptions, 'token' | 'baseUrl'>;
  /**
   * Bots Long Poll settings; `false`: no Long Poll — `start()` runs the hooks and background tasks
   * and the updates come only through `handleUpdate` (a worker fed by a bus).
   */
  longPoll?:
    | false
    | {
        /** Seconds VK holds a request. @default 25 */
        wait?: number;
        /**
         * Before polling, set the community's Long Poll to deliver exactly the event types the bot
         * handles (Long Poll on, vkwire's API version). Without it the settings are only checked, and
         * a warning names any handled type the community would not send. @default false
         */
        ensureSettings?: boolean;
        /** Keep each community's position (`group:<id>`) in this store to resume after a restart. */
        checkpoint?: CheckpointStore;
        /** Check each update against the event schemas. @default true */
        validate?: boolean;
      };
  /**
   * The event types the bot waits for (settings, AutoSetting). @default what the handlers
   * registered with `on`, `command`, `hears`, `button`, `payload`, `chatAction`; `'all'` for every type
   */
  updateTypes?: readonly VkEventType[] | 'all';
  /** The context class (a subclass of `Context` that adds fields). @default Context */
  context?: ContextConstructor<C>;
  /**
   * Where `bot.conversation()`'s conversations are kept: `storage` (share a `RedisStorage` between
   * workers), `strategy` / `getKey`, `prefix` (default `conversation`), `ttlMs`, `lease`.
   * @default a MemoryKeyValueStore of the bot, keyed per user in each chat
   */
  conversations?: ConversationsOptions<C>;
  /**
   * The key views sign their buttons' payloads with (a view's own `secret` wins). Give the same
   * stable secret to every worker, and keep it across restarts, so their views' buttons keep working.
   * @default a random key of this process
   */
  viewSecret?: string | Uint8Array;
}

/** Options of `bot.conversation(name, fn, options)`. */
export interface BotConversationOptions<C extends Context> {
  /** Runs when the conversation ends (returned, threw, timed out, exited), on whichever worker ends it. */
  onEnd?: ConversationEndHook<C & ConversationsFlavor>;
}

/** Options of `bot.webhook()`: the Callback API receiver's (see @vkwire/callback). */
export type WebhookOptions = Omit<CallbackReceiverOptions, 'groups' | 'onUpdate'> & {
  /** The secret key for communities without their own. @default the bot's `secret` */
  secret?: string;
  /** The confirmation code for communities without their own. @default the bot's `confirmation` */
  confirmation?: string;
  /**
   * The path VK posts to: other paths get 404 (a query string VK appends is fine). Without it, a
   * mounted `fetch`/`node` answers on whatever path it is mounted at. @default `serve()`: '/callback'
   */
  path?: string;
  /**
   * The public URL VK reaches this endpoint at (behind a proxy or tunnel, with the path). When
   * given, `start()` registers each community's callback server at it (AutoSetting) with exactly
   * the handled event types and a fresh secret and confirmation code, so none need be given.
   */
  publicUrl?: string;
};

/**
 * The bot's Callback API endpoint: a web-standard `fetch` (Workers, Bun, Deno, hono's
 * `c.req.raw`) and a Node `(req, res)` handler (node:http, express). Both route by `group_id` to
 * the bot's communities. It stops with the bot.
 */
export interface BotWebhook {
  /** The endpoint as `Request → Response`. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The endpoint as a node:http handler. */
  readonly node: NodeCallbackHandler;
}

/** Options of `bot.serve()`: a standalone Callback API server. */
export interface ServeOptions extends WebhookOptions {
  /** @default 0 (an ephemeral port: read `url`) */
  port?: number;
  /** @default '127.0.0.1' ('0.0.0.0' to take VK's requests from outside) */
  hostname?: string;
}

/** A community the bot serves, as it runs. */
interface Community {
  readonly api: VkApi;
  readonly ownsApi: boolean;
  groupId: number | undefined;
  readonly secret: string | undefined;
  readonly confirmation: string | undefined;
  poll?: GroupLongPoll;
}

/**
 * A community bot: the middleware tree (`command`, `hears`, `on`, `button`, routers...), one or
 * several communities, and the transports: Bots Long Poll (`start()`), the Callback API
 * (`webhook()`, `serve()`), or any source (`handleUpdate`).
 *
 * @example
 * const bot = new Bot({ token: process.env.VK_TOKEN! });
 * bot.command('ping', () => 'pong');
 * bot.hears(/^hi\b/i, (ctx) => `hi, ${ctx.match[0]}`);
 * await bot.start();
 * process.once('SIGTERM', () => bot.stop());
 */
export class Bot<C extends Context = Context, E extends BotEvents = BotEvents> extends BotBase<C, E> {
  private readonly communities: Community[];
  private readonly byGroup = new Map<number, Community>();
  private readonly contextType: ContextConstructor<C>;
  private readonly queue: PeerQueue;
  private readonly waits: WaitRegistry;
  private readonly groups = new CallbackGroups([]);
  private receiverOptions: WebhookOptions | undefined;
  private webhookState: { receiver?: CallbackReceiver; node?: NodeCallbackHandler } | undefined;
  private server: CallbackServer | undefined;
  private flows: Conversations<C & ConversationsFlavor, Context> | undefined;

  constructor(private readonly options: BotOptions<C>) {
    super(COMPONENT, options ?? {});
    this.contextType = options.context ?? (Context as unknown as ContextConstructor<C>);
    this.queue = new PeerQueue(this.concurrency);
    this.waits = new WaitRegistry(this.logger);
    const entries: Array<CommunityOptions | string> = options.communities
      ? [...options.communities]
      : [
          {
            ...(options.token === undefined ? {} : { token: options.token }),
            ...(options.api === undefined ? {} : { api: options.api }),
            ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
          },
        ];
    if (entries.length === 0)
      throw new VkwireConfigError(
        COMPONENT,
        'communities',
        'at least one community (a token, or { token | api })',
        { got: options.communities },
      );
    this.communities = entries.map((entry, index) => this.community(entry, index));
    for (const community of this.communities) this.register(community);
  }

  private community(entry: CommunityOptions | string, index: number): Community {
    const where = this.options.communities ? `communities[${index}]` : 'token';
    const item = typeof entry === 'string' ? { token: entry } : entry;
    if (item.api === undefined && (typeof item.token !== 'string' || item.token === ''))
      throw new VkwireConfigError(COMPONENT, where, 'a community token (or an `api` client)', {
        got: item.token,
        secret: true,
      });
    if (item.groupId !== undefined && (!Number.isInteger(item.groupId) || item.groupId <= 0))
      throw new VkwireConfigError(COMPONENT, `${where}.groupId`, 'a positive integer', { got: item.groupId });
    const api =
      item.api ??
      new VkApi({
        // A community bot: its token is paced at the community rate from the first call.
        tokenType: 'group',
        ...this.options.apiOptions,
        token: item.token as string,
        ...(this.options.baseUrl === undefined ? {} : { baseUrl: this.options.baseUrl }),
        ...(this.options.apiOptions?.logger === undefined && this.options.logger !== undefined
          ? { logger: this.options.logger }
          : {}),
      });
    return {
      api,
      ownsApi: item.api === undefined,
      groupId: item.groupId,
      secret: item.secret ?? this.options.secret,
      confirmation: item.confirmation ?? this.options.confirmation,
    };
  }

  private register(community: Community): void {
    if (community.groupId === undefined) return;
    if (this.byGroup.has(community.groupId) && this.byGroup.get(community.groupId) !== community)
      throw new VkwireConfigError(COMPONENT, 'communities', 'communities with different ids', {
        got: community.groupId,
      });
    this.byGroup.set(community.groupId, community);
    if (community.confirmation !== undefined)
      this.groups.set({
        groupId: community.groupId,
        secret: community.secret,
        confirmation: community.confirmation,
      });
  }

  /** The API client of the (first) community: for calls outside handlers (in handlers use `ctx.api`). */
  get api(): VkApi {
    return (this.communities[0] as Community).api;
  }

  /** The API client of a community the bot serves. */
  apiOf(groupId: number): VkApi | undefined {
    return this.byGroup.get(groupId)?.api;
  }

  /** Printing the bot shows the communities it serves. */
  protected override printedFields(): Record<string, unknown> {
    return { groupIds: this.groupIds };
  }

  /** The ids of the communities (known once `start()` detected them from the tokens). */
  get groupIds(): number[] {
    return this.communities.flatMap((community) =>
      community.groupId === undefined ? [] : [community.groupId],
    );
  }

  /** The event types the bot waits for: `updateTypes`, or what the handlers registered. */
  eventTypes(): VkEventType[] {
    const declared = this.options.updateTypes;
    if (declared === 'all') return [...VK_EVENT_TYPES];
    if (declared !== undefined) return [...declared];
    const handled = this.handledTypes();
    return VK_EVENT_TYPES.filter((type) => handled.has(type));
  }

  /**
   * A JSON description of the bot's commands (names, aliases, descriptions, usage, arguments,
   * examples), e.g. to publish a command list.
   */
  describe(): { commands: ReturnType<Bot['commandList']> } {
    return { commands: this.commandList() };
  }

  /**
   * Declares a view: a message with callback buttons bound to handlers and state (send it with
   * `ctx.replyView(view, state)`). A press runs its button's handler with the message's state,
   * unless the view expired (`ttlMs`) or the user is not allowed (`allow`): those get a snackbar.
   *
   * @example
   * const counter = bot.view('counter', { state: 0, text: (n) => `Count: ${n}`, allow: 'author' }, (v) => {
   *   v.button('inc', '+1', (ctx, view) => view.update(view.state + 1));
   * });
   * bot.command('count', (ctx) => ctx.replyView(counter));
   */
  view<S>(name: string, options: ViewOptions<S>, build: (view: ViewBuilder<S>) => void): View<S> {
    const view = new View(name, options, build, this.logger, this.options.viewSecret);
    this.button(view.query, (ctx) => view.press(ctx));
    return view;
  }

  /**
   * Defines durable conversation `name`: a flow written as one async function, kept in the
   * `conversations` option's storage and replayed on each of the user's updates (see the README's
   * "Conversations" for its rules). Enter it with `ctx.conversations.enter(name, args?)` (type your
   * context with `ConversationsFlavor`). The conversations middleware takes the tree's place of the
   * first `bot.conversation()` call: put `bot.use(session(...))` before it, so `conv.external` sees
   * the session, and the handlers it should take updates from after it.
   *
   * @throws VkwireConfigError for an empty name, a name defined twice, or no function
   * @example
   * bot.conversation('register', async (conv, ctx) => {
   *   await ctx.reply('Your name?');
   *   const name = await conv.waitFor('message', { timeout: 600_000, onTimeout: 'Too slow: /register again.' });
   *   await conv.reply(`Welcome, ${name.text}!`);
   * });
   * bot.command('register', (ctx) => ctx.conversations.enter('register'));
   */
  conversation(
    name: string,
    fn: ConversationFn<C & ConversationsFlavor, Context>,
    options: BotConversationOptions<C> = {},
  ): this {
    if (this.flows === undefined) {
      const flows = new Conversations<C & ConversationsFlavor, Context>(
        (this.options.conversations ?? {}) as ConversationsOptions<C & ConversationsFlavor>,
      );
      flows.define(name, fn);
      this.flows = flows;
      this.use(flows.middleware() as unknown as MiddlewareFn<C>);
    } else this.flows.define(name, fn);
    if (options.onEnd !== undefined) this.flows.onEnd(name, options.onEnd);
    return this;
  }

  /**
   * Handles one update from any source (a queue, a test, another transport) and resolves when it is
   * handled: errors go to the error handlers and never reject. Updates of one conversation keep
   * their order; at most `concurrency` run at once. Rejects with `BotStateError` after `stop()`,
   * and for an update still queued when `stop()` gave up waiting (`stopTimeoutMs`): that update was
   * not handled, so its source must not count it as done.
   * A handler that waits (`ctx.waitFor`) counts as done with this update once it starts waiting;
   * an update of a conversation where a handler waits, which no wait takes, resolves at once and is
   * handled aside, in order (it may need the state the waiting handler holds until it finishes).
   *
   * @example
   * await bot.handleUpdate(JSON.parse(body));
   */
  async handleUpdate(update: VkParsedUpdate, delivery?: Partial<UpdateContext>): Promise<void> {
    this.assertOpen();
    const known = update.group_id === undefined ? undefined : this.byGroup.get(update.group_id);
    const community = known ?? (await this.communityOf(update));
    const peer = updateOrderKey(update);
    await this.tracked(this.queue.run(peer, () => this.deliver(update, community, delivery)));
  }

  private async deliver(
    update: VkParsedUpdate,
    community: Community,
    delivery: Partial<UpdateContext> | undefined,
  ): Promise<void> {
    // Still queued when stop() gave up waiting: it is not handled, and the source hears so (a bus
    // consumer does not acknowledge it, the Callback API answers 503 and VK sends it again).
    if (this.runController.signal.aborted)
      throw new BotStateError('bot_stopped', 'the bot was stopped before this update was handled');
    const ctx = new this.contextType(
      update,
      community.api,
      deliveryOf(delivery, {
        groupId: update.group_id ?? community.groupId,
        eventId: update.event_id,
        signal: this.runController.signal,
      }),
    );
    // A waiting handler (`ctx.waitFor`) gets the updates it waits for before the tree does.
    await this.waits.deliver(
      ctx,
      (own) => this.dispatch(own as C),
      (rest) => void this.tracked(rest),
    );
  }

  protected override cancelWaits(): void {
    this.waits.cancelAll();
  }

  private async communityOf(update: VkParsedUpdate): Promise<Community> {
    const groupId = update.group_id;
    const known = groupId === undefined ? undefined : this.byGroup.get(groupId);
    if (known !== undefined) return known;
    await this.resolveGroups();
    const found = groupId === undefined ? undefined : this.byGroup.get(groupId);
    if (found !== undefined) return found;
    if (groupId === undefined && this.communities.length === 1) return this.communities[0] as Community;
    throw new BotStateError(
      'no_community',
      `an update of group ${String(groupId)}, which this bot does not serve (it serves ${this.groupIds.join(', ')})`,
    );
  }

  /** Detects the ids of communities given by token alone. */
  private async resolveGroups(): Promise<void> {
    await Promise.all(
      this.communities.map(async (community, index) => {
        if (community.groupId !== undefined) return;
        const info = await community.api.tokenInfo();
        if (info.type !== 'group')
          throw new VkwireConfigError(
            COMPONENT,
            this.options.communities ? `communities[${index}]` : 'token',
            'a community token (this is a user token: use UserBot)',
          );
        community.groupId = info.groupId;
        this.register(community);
      }),
    );
  }

  /**
   * The Callback API endpoint for this bot (see {@link BotWebhook}): mount `fetch` or `node` where
   * VK posts. Call `start()` as well: it detects the communities' ids, runs the startup hooks and
   * tasks, and polls nothing once a webhook exists. Updates of one conversation keep their order
   * as far as VK's delivery allows: a redelivery comes after what was delivered meanwhile.
   *
   * @example
   * const webhook = bot.webhook({ secret: 's3cret', confirmation: 'a1b2c3d4' });
   * app.post('/vk', (c) => webhook.fetch(c.req.raw));   // hono
   * await bot.start();
   */
  webhook(options: WebhookOptions = {}): BotWebhook {
    this.assertOpen();
    if (this.webhookState !== undefined)
      throw new BotStateError('bot_running', 'bot.webhook() was called already');
    this.receiverOptions = options;
    for (const community of this.communities) {
      const confirmation = community.confirmation ?? options.confirmation;
      if (confirmation === undefined && options.publicUrl === undefined)
        throw new VkwireConfigError(
          COMPONENT,
          'confirmation',
          'given (to the bot, the community or webhook()) unless webhook() or serve() has a publicUrl',
        );
    }
    const state: { receiver?: CallbackReceiver; node?: NodeCallbackHandler } = {};
    this.webhookState = state;
    const receiverOptions = (): CallbackReceiverOptions => this.callbackOptions(options);
    const path = options.path;
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/')))
      throw new VkwireConfigError(COMPONENT, 'path', "a path starting with '/'", { got: path });
    return {
      fetch: (request) => {
        if (path !== undefined && pathOf(request.url) !== path)
          return Promise.resolve(new Response('not found', { status: 404 }));
        state.receiver ??= createCallbackReceiver(receiverOptions());
        return state.receiver(request);
      },
      get node(): NodeCallbackHandler {
        state.node ??= createNodeCallbackHandler(receiverOptions());
        const handler = state.node;
        if (path === undefined) return handler;
        const atPath = (request: IncomingMessage, response: ServerResponse): void => {
          if (pathOf(request.url ?? '/') === path) handler(request, response);
          else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        };
        return Object.assign(atPath, { stop: () => handler.stop() });
      },
    };
  }

  private callbackOptions(options: WebhookOptions): CallbackReceiverOptions {
    const {
      secret: _secret,
      confirmation: _confirmation,
      path: _path,
      publicUrl: _publicUrl,
      ...rest
    } = options;
    return {
      logger: this.logger,
      stopTimeoutMs: this.stopTimeoutMs,
      ...rest,
      groups: this.groups,
      onUpdate: (update: VkParsedUpdate, context: CallbackContext) => this.handleUpdate(update, context),
    };
  }

  /**
   * Runs the bot as a standalone Callback API server and starts it; `bot.stop()` closes the server.
   * With `publicUrl`, each community's callback server is registered at that URL with exactly the
   * handled event types (AutoSetting).
   *
   * @example
   * const { url } = await bot.serve({ port: 8080, hostname: '0.0.0.0', secret, confirmation });
   */
  async serve(options: ServeOptions = {}): Promise<{ url: string }> {
    this.webhook(options);
    const { port, hostname, path, ...rest } = options;
    this.server = await serveCallback({
      ...this.callbackOptions(rest),
      ...(port === undefined ? {} : { port }),
      ...(hostname === undefined ? {} : { hostname }),
      ...(path === undefined ? {} : { path }),
    });
    try {
      await this.start();
    } catch (error) {
      await this.server.stop();
      this.server = undefined;
      throw error;
    }
    return { url: this.server.url };
  }

  protected async startIntake(): Promise<void> {
    await this.resolveGroups();
    const defaults = this.receiverOptions;
    for (const community of this.communities) {
      const confirmation = community.confirmation ?? defaults?.confirmation;
      if (confirmation !== undefined && community.groupId !== undefined)
        this.groups.set({
          groupId: community.groupId,
          secret: community.secret ?? defaults?.secret,
          confirmation,
        });
    }
    if (this.webhookState !== undefined) {
      const url = this.receiverOptions?.publicUrl;
      if (url !== undefined)
        await Promise.all(
          this.communities.map((community) =>
            configureCallbackServer(community.api, {
              url,
              groupId: community.groupId as number,
              events: this.eventTypes(),
              groups: this.groups,
            }),
          ),
        );
      return;
    }
    if (this.options.longPoll === false) return;
    const types = this.options.updateTypes === 'all' ? undefined : this.eventTypes();
    await Promise.all(this.communities.map((community) => this.startPoll(community, types)));
  }

  private async startPoll(community: Community, types: readonly VkEventType[] | undefined): Promise<void> {
    const settings = this.options.longPoll || {};
    const groupId = community.groupId as number;
    const poll = new GroupLongPoll({
      api: community.api,
      groupId,
      concurrency: this.concurrency,
      stopTimeoutMs: this.stopTimeoutMs,
      logger: this.logger,
      ...(settings.wait === undefined ? {} : { wait: settings.wait }),
      ...(settings.validate === undefined ? {} : { validate: settings.validate }),
      ...(settings.ensureSettings === undefined ? {} : { ensureSettings: settings.ensureSettings }),
      ...(types === undefined ? {} : { eventTypes: types }),
      ...(settings.checkpoint === undefined
        ? {}
        : { checkpoint: { store: settings.checkpoint, stream: `group:${groupId}` } }),
    });
    // Every update reaches the tree (middleware sees types no handler declared); the settings
    // follow the handled types.
    poll.on((update: VkParsedUpdate, context: LongPollContext) => this.deliver(update, community, context));
    community.poll = poll;
    await poll.start();
  }

  protected async stopIntake(): Promise<number> {
    const results: StopResult[] = await Promise.all([
      ...this.communities.flatMap((community) =>
        community.poll === undefined ? [] : [community.poll.stop()],
      ),
      ...(this.server === undefined ? [] : [this.server.stop()]),
      ...(this.webhookState?.receiver === undefined ? [] : [this.webhookState.receiver.stop()]),
      ...(this.webhookState?.node === undefined ? [] : [this.webhookState.node.stop()]),
    ]);
    return results.reduce((sum, result) => sum + result.abandoned, 0);
  }

  protected async closeResources(): Promise<void> {
    await Promise.all(
      this.communities.filter((community) => community.ownsApi).map((community) => community.api.close()),
    );
  }
}

/** The path of a request target or URL, without its query string. */
function pathOf(target: string): string {
  const start = target.startsWith('/') ? 0 : target.indexOf('/', target.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = target.indexOf('?', start);
  return end === -1 ? target.slice(start) : target.slice(start, end);
}
