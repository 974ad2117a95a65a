import { setMaxListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { VkwireConfigError } from '@vkwire/core';
import { VK_API_VERSION } from '@vkwire/events-schema';
import type { Hono } from 'hono';
import { METHODS } from './api/methods/index.js';
import type { SandboxCallback } from './callback/pusher.js';
import type { FaultAction, FaultHandle, FaultOptions, FaultTarget } from './faults.js';
import type { FeedListener } from './feed.js';
import { createApp } from './http/app.js';
import type { SandboxEnv } from './http/hold.js';
import { nodeLongPollListener } from './http/longpoll-route.js';
import { unixNow } from './ids.js';
import { resolveOptions, type SandboxOptions } from './options.js';
import type { TokenRateStats } from './rate-limit.js';
import { buildAttachments, type SimAttachment } from './simulation/attachments-input.js';
import { SimChat } from './simulation/chat.js';
import { SimUser } from './simulation/user.js';
import { type ApiCallRecord, type EventAnswerRecord, SandboxState } from './state.js';
import { attachmentString } from './world/attachments.js';
import { CHAT_PEER_BASE, isChatPeer, messageView } from './world/message-view.js';
import type { GroupRecord, VkObject } from './world/types.js';
import type { GroupOptions, UserOptions } from './world/world.js';

/** A community of the sandbox, as tests and bots need it. */
export interface SandboxGroup {
  id: number;
  name: string;
  screenName: string;
  /** Its first access token. */
  token: string;
  /** Every access token of the community. */
  tokens: readonly string[];
}

/** A message a community sent through the API, as the sandbox stores it now (edits included). */
export interface SentMessage {
  groupId: number;
  peerId: number;
  /** Mailbox id (0 in chats). */
  id: number;
  cmid: number;
  text: string;
  /** Attachment strings (`photo-1_2_key`). */
  attachments: string[];
  /** The keyboard, parsed, when one was sent. */
  keyboard?: VkObject;
  template?: VkObject;
  payload?: string;
  randomId: number;
  /** cmid of the message it replies to. */
  replyTo?: number;
  /** cmids of forwarded messages. */
  forwarded: number[];
  edited: boolean;
  deleted: boolean;
  /** The message object as the community sees it. */
  object: VkObject;
  /** When the sandbox stored it: milliseconds since the sandbox started (to time replies). */
  at: number;
}

/** Which messages `vk.sent()` returns. */
export interface SentFilter {
  peer?: number;
  groupId?: number;
}

/** A community event as VK delivers it (parsed). */
export interface SandboxUpdate {
  group_id: number;
  type: string;
  event_id: string;
  v: string;
  object: VkObject;
}

/** Fault switches, changeable while the sandbox runs. Each returns a handle to remove it early. */
export interface SandboxFaults {
  /** Any fault on any target. */
  inject(target: FaultTarget, action: FaultAction, options?: FaultOptions): FaultHandle;
  /** API error answers (6 storms, 10, 14, ...); `details` become extra keys of the error object. */
  apiError(code: number, options?: FaultOptions & { details?: Record<string, unknown> }): FaultHandle;
  /** API calls answered with an HTTP status and an HTML page (5xx from a proxy). */
  apiStatus(status: number, options?: FaultOptions): FaultHandle;
  /** API calls that never get an answer (the client's timeout fires). */
  apiTimeout(options?: FaultOptions): FaultHandle;
  /** API calls that run but whose answer is lost (the connection drops after the work is done). */
  apiLoseAnswer(options?: FaultOptions): FaultHandle;
  /** Long poll answers `{"failed": N}` (failed 2 and 3 also expire the community's keys). */
  longPollFailed(code: 1 | 2 | 3, options?: FaultOptions): FaultHandle;
  /** Long poll connections destroyed without an answer. */
  longPollDrop(options?: FaultOptions): FaultHandle;
  /** Long poll answers with an HTTP status and an HTML page. */
  longPollStatus(status: number, options?: FaultOptions): FaultHandle;
  /** Long poll answers delayed by `ms`. */
  longPollDelay(ms: number, options?: FaultOptions): FaultHandle;
  /** User Long Poll answers `{"failed": N}` (failed 2 and 3 also expire the account's keys). */
  userLongPollFailed(code: 1 | 2 | 3, options?: FaultOptions): FaultHandle;
  /** User Long Poll connections destroyed without an answer. */
  userLongPollDrop(options?: FaultOptions): FaultHandle;
  /** User Long Poll answers with an HTTP status and an HTML page. */
  userLongPollStatus(status: number, options?: FaultOptions): FaultHandle;
  /** User Long Poll answers delayed by `ms`. */
  userLongPollDelay(ms: number, options?: FaultOptions): FaultHandle;
  /** Removes every fault. */
  clear(): void;
}

/** Subscription to the live feed (`vk.feed`). */
export interface SandboxFeedHandle {
  /**
   * Adds a listener of feed items; returns its unsubscribe function.
   *
   * @throws {Error} when the sandbox is closed.
   */
  subscribe(listener: FeedListener): () => void;
  /** How many listeners are subscribed now (each open `GET /_sandbox/feed` is one). */
  readonly listeners: number;
}

/** Options of `vk.bulk.messages`. */
export interface BulkMessagesOptions {
  /** @default the first community */
  groupId?: number;
  /**
   * Senders (private dialogs); created when missing. @default 100 users from 100000001 (1000 in
   * the `vkLike` benchmark mode)
   */
  userIds?: readonly number[];
  /**
   * Group chats (chat ids or peer ids) the community is in, written to besides the private
   * dialogs: the messages go to the dialogs and chats in turn, a chat's message from its user
   * members in turn. @default none
   */
  chats?: readonly number[];
  /** @default 'bulk message' */
  text?: string;
  /** Texts to rotate through (message n has `texts[n % texts.length]`); wins over `text`. */
  texts?: readonly string[];
}

/** Options of `vk.createChat`. */
export interface CreateChatOptions {
  title: string;
  /** User ids in the chat. Without `owner`, the first is its owner. */
  members: readonly number[];
  /**
   * Communities added after the chat is made (each sees a `chat_invite_user` service message with
   * `member_id: -groupId`). @default [the first community], or [] when a community is the owner
   */
  groupIds?: readonly number[];
  /**
   * Who created the chat: a user id (added to the members if missing), or `-groupId` for a chat a
   * community created (it is in the chat from the start and sees the `chat_create` message).
   * @default members[0]
   */
  owner?: number;
  /**
   * Members with admin rights besides the owner, e.g. `[-vk.group.id]` so that the bot may call
   * `messages.getConversationMembers` and `messages.removeChatUser`. On VK a community added to a
   * chat is no admin until the owner makes it one. @default []
   */
  admins?: readonly number[];
}

/** Options of `vk.wallPost`. */
export interface WallPostOptions {
  groupId?: number;
  attachments?: readonly SimAttachment[];
  /** The admin who wrote it. @default 0 */
  createdBy?: number;
}

/**
 * A running offline VK. Create it with `createSandbox`, point a client at `apiUrl`, drive users
 * with `user(id)`, inspect with `sent()`/`calls()`/`events()`, and `close()` it.
 */
export class Sandbox {
  /** The API base a client is given (ends in `/method`). */
  readonly apiUrl: string;
  /** Fault switches. */
  readonly faults: SandboxFaults;
  /** Fast synthetic events for benchmarks. */
  readonly bulk: { messages(count: number, options?: BulkMessagesOptions): { fromTs: number; toTs: number } };
  /** The Callback API pusher: `deliveries()`, `idle()`, `confirm(serverId)`. */
  readonly callback: SandboxCallback;
  /**
   * The live feed of conversations (what bots and simulated users do), as `GET /_sandbox/feed`
   * streams it. Closed with the sandbox: every listener gets `end()`.
   */
  readonly feed: SandboxFeedHandle;
  /** The chat page's URL (`<url>/`) when created with `chat: true`. */
  readonly chatUrl: string | undefined;
  private readonly users = new Map<number, SimUser>();
  private readonly chats = new Map<number, SimChat>();
  private closed = false;

  /** @internal Use `createSandbox`. */
  constructor(
    private readonly state: SandboxState,
    /** The origin, e.g. `http://127.0.0.1:38211`. */
    readonly url: string,
    private readonly server: Server | undefined,
    private readonly closing: AbortController,
    /** The hono app (for `app.fetch` without a socket). */
    readonly app: Hono<SandboxEnv>,
  ) {
    this.apiUrl = `${url}/method`;
    const faults = state.faults;
    this.faults = {
      inject: (target, action, options) => faults.inject(target, action, options),
      apiError: (code, options = {}) => {
        const { details, ...rest } = options;
        return faults.inject('api', { kind: 'error', code, ...(details ? { details } : {}) }, rest);
      },
      apiStatus: (status, options) => faults.inject('api', { kind: 'status', status }, options),
      apiTimeout: (options) => faults.inject('api', { kind: 'hang' }, options),
      apiLoseAnswer: (options) => faults.inject('api', { kind: 'loseAnswer' }, options),
      longPollFailed: (code, options) => faults.inject('longPoll', { kind: 'failed', code }, options),
      longPollDrop: (options) => faults.inject('longPoll', { kind: 'drop' }, options),
      longPollStatus: (status, options) => faults.inject('longPoll', { kind: 'status', status }, options),
      longPollDelay: (ms, options) => faults.inject('longPoll', { kind: 'delay', ms }, options),
      userLongPollFailed: (code, options) => faults.inject('userLongPoll', { kind: 'failed', code }, options),
      userLongPollDrop: (options) => faults.inject('userLongPoll', { kind: 'drop' }, options),
      userLongPollStatus: (status, options) =>
        faults.inject('userLongPoll', { kind: 'status', status }, options),
      userLongPollDelay: (ms, options) => faults.inject('userLongPoll', { kind: 'delay', ms }, options),
      clear: () => faults.clear(),
    };
    this.bulk = { messages: (count, options) => this.bulkMessages(count, options) };
    this.callback = state.callback;
    this.feed = {
      subscribe: (listener) => state.feed.subscribe(listener),
      get listeners() {
        return state.feed.size;
      },
    };
    this.chatUrl = state.options.chat ? `${url}/` : undefined;
  }

  /** The first community. */
  get group(): SandboxGroup {
    const first = this.state.world.groups.values().next().value;
    if (!first) throw new Error('sandbox: no community');
    return groupHandle(first);
  }

  /** Every community. */
  get groups(): SandboxGroup[] {
    return [...this.state.world.groups.values()].map(groupHandle);
  }

  /** Adds a community. */
  addGroup(options: GroupOptions = {}): SandboxGroup {
    return groupHandle(this.state.world.addGroup(options));
  }

  /** Adds another token to a community (each token has its own rate limit). */
  addGroupToken(groupId: number): string {
    return this.state.world.addGroupToken(this.groupRecord(groupId));
  }

  /** A simulated user; created on first use (options apply then). */
  user(id: number, options: Omit<UserOptions, 'id'> = {}): SimUser {
    let user = this.users.get(id);
    if (!user) {
      user = new SimUser(this.state, this.state.world.ensureUser({ ...options, id }), () =>
        this.groupRecord(),
      );
      this.users.set(id, user);
    }
    return user;
  }

  /**
   * Creates a group chat: a `chat_create` service message by the owner, then the communities of
   * `groupIds` are invited (`chat_invite_user`, `member_id: -groupId`), then `admins` get rights.
   *
   * @example
   * const chat = vk.createChat({ title: 'Team', members: [1, 2], admins: [-vk.group.id] });
   * chat.pin(1, vk.user(1).send('rules', { peerId: chat.peerId }).cmid);
   */
  createChat(options: CreateChatOptions): SimChat {
    const owner = options.owner ?? options.members[0];
    if (owner === undefined) {
      throw new VkwireConfigError('Sandbox.createChat', 'members', 'at least one user id (the owner)', {
        got: options.members,
      });
    }
    if (owner < 0) this.groupRecord(-owner);
    else this.user(owner);
    for (const id of options.members) this.user(id);
    const rest = options.members.filter((id) => id !== owner);
    const chat = new SimChat(this.state, this.state.world.createChat(options.title, owner, rest), () =>
      this.groupRecord(),
    );
    this.chats.set(chat.chatId, chat);
    chat.announceCreation();
    const groupIds = options.groupIds ?? (owner < 0 ? [] : [this.group.id]);
    for (const groupId of groupIds) {
      if (-groupId !== owner) chat.invite(-this.groupRecord(groupId).id, { by: owner });
    }
    for (const id of options.admins ?? []) chat.setAdmin(id);
    return chat;
  }

  /**
   * A chat made by `createChat`, by chat id or peer id.
   *
   * @example
   * vk.chat(2000000001).leave(5);
   */
  chat(id: number): SimChat {
    const chat = this.chats.get(id > CHAT_PEER_BASE ? id - CHAT_PEER_BASE : id);
    if (!chat) {
      throw new VkwireConfigError('Sandbox.chat', 'id', 'the chat id or peer id of a chat createChat made', {
        got: id,
      });
    }
    return chat;
  }

  /** A community post: a `wall_post_new`. Returns the post id. */
  wallPost(text: string, options: WallPostOptions = {}): number {
    const group = this.groupRecord(options.groupId);
    const id = ++wallPostId;
    const attachments = buildAttachments(
      this.state,
      -group.id,
      options.attachments ?? [],
      'Sandbox.wallPost',
    ).map((attachment) => {
      const media = attachment[String(attachment.type)];
      if (attachment.type === 'photo' && typeof media === 'object' && media !== null)
        Object.assign(media, { user_id: 100, post_id: id });
      return attachment;
    });
    this.state.world.emit(group.id, 'wall_post_new', {
      id,
      from_id: -group.id,
      owner_id: -group.id,
      created_by: options.createdBy ?? 0,
      date: unixNow(),
      marked_as_ads: 0,
      post_type: 'post',
      text,
      can_edit: 1,
      can_delete: 1,
      is_favorite: false,
      attachments,
      comments: { count: 0 },
      likes: { count: 0, user_likes: 0, can_like: 1, can_publish: 1 },
      reposts: { count: 0, user_reposted: 0 },
      post_source: { type: 'vk' },
      donut: { is_donut: false },
      short_text_rate: 0.8,
    });
    return id;
  }

  /**
   * Emits any community event as it is given: a type the sandbox does not simulate, a type VK has
   * not announced yet, or a malformed object, for testing how a bot copes.
   *
   * @example
   * vk.emitEvent('message_new', { message: 'not an object' }); // drift: a bot must not crash
   */
  emitEvent(type: string, object: unknown, options: { groupId?: number } = {}): void {
    this.state.world.emit(this.groupRecord(options.groupId).id, type, object);
  }

  /**
   * Puts any update array into an account's User Long Poll as it is given: codes no simulated
   * action produces (8/9 friends, 114, 52...), codes VK has not announced, malformed arrays.
   * `owner` is a user id, or -group_id for a community. @default -(the first community's id)
   *
   * @example
   * vk.emitUserUpdate([8, -605182734, 4, 1748763121]); // a friend came online from Android
   */
  emitUserUpdate(update: readonly unknown[], options: { owner?: number } = {}): void {
    this.state.userLongPoll.emitRaw(options.owner ?? -this.group.id, update);
  }

  /** The newest User Long Poll `ts` of an account (user id, or -group_id). @default the first community */
  userLongPollTs(owner: number = -this.group.id): number {
    return this.state.userLongPoll.lastSeq(owner);
  }

  /** Messages communities sent through the API, oldest first. */
  sent(filter: SentFilter = {}): SentMessage[] {
    return this.state.sentMessages
      .filter(
        ({ groupId, message }) =>
          (filter.peer === undefined || message.peerId === filter.peer) &&
          (filter.groupId === undefined || groupId === filter.groupId),
      )
      .map(({ groupId, message, at }) => {
        const sent: SentMessage = {
          groupId,
          peerId: message.peerId,
          id: isChatPeer(message.peerId) ? 0 : message.id,
          cmid: message.cmid,
          text: message.text,
          attachments: message.attachments.map((attachment) => {
            const type = String(attachment.type);
            return attachmentString(type, (attachment[type] ?? {}) as VkObject);
          }),
          randomId: message.randomId,
          forwarded: message.fwd.map((item) => item.cmid),
          edited: message.updateTime !== undefined,
          deleted: message.deleted,
          object: messageView(message, groupId),
          at,
        };
        if (message.keyboard) sent.keyboard = message.keyboard;
        if (message.template) sent.template = message.template;
        if (message.payload !== undefined) sent.payload = message.payload;
        if (message.reply) sent.replyTo = message.reply.cmid;
        return sent;
      });
  }

  /** Answers to callback button presses (snackbars and other `event_data`). */
  eventAnswers(filter: { peer?: number; eventId?: string } = {}): EventAnswerRecord[] {
    return this.state.eventAnswers.filter(
      (answer) =>
        (filter.peer === undefined || answer.peerId === filter.peer) &&
        (filter.eventId === undefined || answer.eventId === filter.eventId),
    );
  }

  /** The API call log (bounded; tokens are never recorded). */
  calls(filter: { method?: string } = {}): ApiCallRecord[] {
    return this.state.calls.filter((call) => filter.method === undefined || call.method === filter.method);
  }

  /** Every event emitted to a community (delivered or not), oldest first. */
  events(groupId: number = this.group.id): SandboxUpdate[] {
    return (this.state.emitted.get(groupId) ?? []).map((json) => JSON.parse(json) as SandboxUpdate);
  }

  /** Rate-limit counters of one token. */
  rateLimitStats(token: string): TokenRateStats {
    return this.state.rateLimiter.stats(token);
  }

  /** How many error-6 answers the sandbox gave (one token, or all). */
  rateLimited(token?: string): number {
    return token === undefined
      ? this.state.rateLimiter.totalRejected()
      : this.state.rateLimiter.stats(token).rejected;
  }

  /** The newest Bots Long Poll `ts` of a community. */
  longPollTs(groupId: number = this.group.id): number {
    return this.state.stream(groupId).lastSeq;
  }

  /** Stops the server: held requests end, connections close. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.state.feed.close();
    this.state.callback.close();
    await this.flushFeedStreams();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * Lets the feed's SSE responses write their `end` event before the connections are closed; a
   * reader that does not take it within FEED_FLUSH_MS is cut off with the rest.
   */
  private async flushFeedStreams(): Promise<void> {
    if (this.state.feedStreams.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.state.feedStreams),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FEED_FLUSH_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** `await using vk = await createSandbox()` closes it at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private groupRecord(groupId?: number): GroupRecord {
    const group =
      groupId === undefined ? this.state.world.groups.values().next().value : this.state.world.group(groupId);
    if (!group) {
      throw new VkwireConfigError('Sandbox', 'groupId', 'the id of a community of this sandbox', {
        got: groupId,
      });
    }
    return group;
  }

  private bulkMessages(count: number, options: BulkMessagesOptions = {}): { fromTs: number; toTs: number } {
    const group = this.groupRecord(options.groupId);
    const { world } = this.state;
    // The vkLike benchmark mode spreads messages over 1000 dialogs, as a busy community sees them.
    const dialogs = this.state.options.vkLike ? 1000 : 100;
    const userIds = options.userIds ?? Array.from({ length: dialogs }, (_, index) => 100_000_001 + index);
    const users = userIds.map((id) => this.user(id).record);
    for (const user of users) group.messagePermission.set(user.id, true);
    const chats = (options.chats ?? []).map((id) => this.bulkChat(id, group.id));
    const texts = (options.texts ?? [options.text ?? 'bulk message']).map((text) => JSON.stringify(text));
    if (texts.length === 0)
      throw new VkwireConfigError('Sandbox.bulk', 'texts', 'at least one text', { got: options.texts });
    const head = `{"group_id":${group.id},"type":"message_new","event_id":"`;
    const clientInfo = (id: number) => JSON.stringify(world.users.get(id)?.clientInfo ?? {});
    // One slot per conversation: a private dialog (its user writes) or a chat (its members in turn).
    const slots = [
      ...users.map((user) => ({
        peerId: user.id,
        senders: [{ id: user.id, clientInfo: clientInfo(user.id) }],
        turn: 0,
        conversation: world.conversation(group.id, user.id),
      })),
      ...chats.map((chat) => ({
        peerId: chat.peerId,
        senders: [...chat.members].filter((id) => id > 0).map((id) => ({ id, clientInfo: clientInfo(id) })),
        turn: 0,
        conversation: world.conversation(group.id, chat.peerId),
      })),
    ];
    const date = unixNow();
    const fromTs = this.state.stream(group.id).lastSeq;
    world.emitSerialized(group.id, 'message_new', count, (eventId, index) => {
      const slot = slots[index % slots.length] as (typeof slots)[number];
      const sender = slot.senders[slot.turn % slot.senders.length] as (typeof slot.senders)[number];
      slot.turn += 1;
      slot.conversation.lastCmid += 1;
      // Chat messages have no mailbox id (0), as a community sees them.
      let id = 0;
      if (slot.peerId === sender.id) {
        group.lastMessageId += 1;
        id = group.lastMessageId;
      }
      const text = texts[index % texts.length] as string;
      return `${head}${eventId}","v":"${VK_API_VERSION}","object":{"message":{"date":${date},"from_id":${sender.id},"id":${id},"out":0,"version":${world.nextVersion()},"attachments":[],"conversation_message_id":${slot.conversation.lastCmid},"fwd_messages":[],"important":false,"is_hidden":false,"peer_id":${slot.peerId},"random_id":0,"text":${text}},"client_info":${sender.clientInfo}}}`;
    });
    return { fromTs, toTs: this.state.stream(group.id).lastSeq };
  }

  /** A chat bulk messages may go to: the community is in it and it has a user member. */
  private bulkChat(id: number, groupId: number): { peerId: number; members: ReadonlySet<number> } {
    const chat = this.state.world.chats.get(id < CHAT_PEER_BASE ? CHAT_PEER_BASE + id : id);
    if (!chat?.members.has(-groupId) || ![...chat.members].some((member) => member > 0)) {
      throw new VkwireConfigError(
        'Sandbox.bulk',
        'chats',
        `ids of chats community ${groupId} is in, with at least one user`,
        { got: id },
      );
    }
    return chat;
  }
}

let wallPostId = 300;

/** How long `close()` waits for the feed's streams to write their `end` event. */
const FEED_FLUSH_MS = 1000;

function groupHandle(group: GroupRecord): SandboxGroup {
  return {
    id: group.id,
    name: group.name,
    screenName: group.screenName,
    token: group.tokens[0] ?? '',
    tokens: [...group.tokens],
  };
}

/**
 * Starts an offline VK on loopback.
 *
 * @example
 * const vk = await createSandbox();
 * const api = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl });
 * vk.user(1).send('ping');
 * // ... your bot answers ...
 * expect(vk.sent({ peer: 1 })[0]?.text).toBe('pong');
 * await vk.close();
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveOptions(options);
  const state = new SandboxState(resolved);
  for (const group of resolved.groups) state.world.addGroup(group);
  for (const user of resolved.users) state.world.ensureUser(user);
  const closing = new AbortController();
  // Every held long poll request listens to it (one per community polled): no leak past 10.
  setMaxListeners(0, closing.signal);
  const holder: { sandbox?: Sandbox } = {};
  const app = createApp(state, METHODS, closing.signal, () => {
    if (!holder.sandbox) throw new Error('sandbox: not started');
    return holder.sandbox;
  });
  // Long poll requests take a fast path straight on node:http; everything else goes through hono.
  const viaHono = getRequestListener(app.fetch);
  const longPoll = nodeLongPollListener(state, closing.signal);
  const server = createServer((request, response) => {
    if (!longPoll(request, response)) void viaHono(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.hostname, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  state.origin = `http://${host}:${address.port}`;
  holder.sandbox = new Sandbox(state, state.origin, server, closing, app);
  return holder.sandbox;
}
