import { VkwireConfigError } from '@vkwire/core';
import { VK_API_VERSION } from '@vkwire/events-schema';
import { SandboxFeed } from '../feed.js';
import { EventIdSource, newAccessToken, randomHex, unixNow } from '../ids.js';
import { allFlags, LONG_POLL_EVENT_FLAGS } from './event-types.js';
import { CHAT_PEER_BASE, isChatPeer, messageView } from './message-view.js';
import type {
  ChatRecord,
  ConversationRecord,
  GroupRecord,
  StoredMessage,
  UserRecord,
  VkObject,
} from './types.js';

/** Options of a simulated community. */
export interface GroupOptions {
  /** @default a free id from 218734561 up */
  id?: number;
  /** @default `Community <id>` */
  name?: string;
  /** @default `club<id>` */
  screenName?: string;
  /** A fixed access token (a random `vk1.a.` token otherwise). */
  token?: string;
  /**
   * Whether Bots Long Poll starts enabled with every event type. A new VK community has it off;
   * the sandbox turns it on so that a quick start works.
   * @default true
   */
  longPollEnabled?: boolean;
}

/** Options of a simulated user. */
export interface UserOptions {
  id: number;
  /** @default 'User' */
  firstName?: string;
  /** @default the id */
  lastName?: string;
  /** @default `id<id>` */
  screenName?: string;
  /** 0 unknown, 1 female, 2 male. @default 0 */
  sex?: 0 | 1 | 2;
  /** The `client_info` of this user's messages (merged over a full-featured client). */
  clientInfo?: VkObject;
}

/** What receives every event the world produces: the stream JSON is serialized once. */
export type EventSink = (groupId: number, type: string, json: string) => void;

const FULL_CLIENT_INFO: VkObject = {
  button_actions: [
    'text',
    'vkpay',
    'open_app',
    'location',
    'open_link',
    'callback',
    'intent_subscribe',
    'intent_unsubscribe',
  ],
  keyboard: true,
  inline_keyboard: true,
  carousel: true,
  lang_id: 0,
};

const RANDOM_ID_WINDOW_SECONDS = 3600;
const RANDOM_ID_WINDOW_MESSAGES = 100;

/**
 * The state of the simulated VK: communities, users, chats and conversations, and the single
 * place events are emitted from.
 */
export class World {
  readonly groups = new Map<number, GroupRecord>();
  readonly users = new Map<number, UserRecord>();
  readonly chats = new Map<number, ChatRecord>();
  private readonly conversations = new Map<string, ConversationRecord>();
  private readonly tokens = new Map<
    string,
    { kind: 'group'; group: GroupRecord } | { kind: 'user'; user: UserRecord }
  >();
  private readonly sinks: EventSink[] = [];
  private readonly eventIds = new EventIdSource();
  private version = 10_000_000;
  private nextGroupId = 218_734_561;
  private nextChatId = 1;

  /** @param feed where stored messages are announced (the sandbox's live feed). */
  constructor(readonly feed: SandboxFeed = new SandboxFeed()) {}

  /** Registers a receiver of every emitted event. */
  addSink(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /** Adds a community. */
  addGroup(options: GroupOptions = {}): GroupRecord {
    let id = options.id;
    if (id === undefined) {
      while (this.groups.has(this.nextGroupId)) this.nextGroupId += 1;
      id = this.nextGroupId;
    }
    if (!Number.isSafeInteger(id) || id <= 0) {
      throw new VkwireConfigError('Sandbox.addGroup', 'id', 'a positive integer', { got: id });
    }
    if (this.groups.has(id)) {
      throw new VkwireConfigError('Sandbox.addGroup', 'id', 'an id no other community of this sandbox has', {
        got: id,
      });
    }
    if (
      options.token !== undefined &&
      (typeof options.token !== 'string' || this.tokens.has(options.token))
    ) {
      throw new VkwireConfigError('Sandbox.addGroup', 'token', 'a string no other token of this sandbox is', {
        got: options.token,
        secret: true,
      });
    }
    const token = options.token ?? newAccessToken();
    const enabled = options.longPollEnabled ?? true;
    const group: GroupRecord = {
      id,
      name: options.name ?? `Community ${id}`,
      screenName: options.screenName ?? `club${id}`,
      tokens: [token],
      longPoll: {
        enabled,
        apiVersion: VK_API_VERSION,
        events: allFlags(LONG_POLL_EVENT_FLAGS, enabled ? 1 : 0),
      },
      callbackServers: [],
      confirmationCode: randomHex(4),
      members: new Set(),
      messagePermission: new Map(),
      lastMessageId: 0,
    };
    this.groups.set(id, group);
    this.tokens.set(token, { kind: 'group', group });
    return group;
  }

  /** Adds another access token to a community and returns it. */
  addGroupToken(group: GroupRecord, token: string = newAccessToken()): string {
    group.tokens.push(token);
    this.tokens.set(token, { kind: 'group', group });
    return token;
  }

  /** Adds a user, or returns the existing one with that id. */
  ensureUser(options: UserOptions): UserRecord {
    const existing = this.users.get(options.id);
    if (existing) return existing;
    if (!Number.isSafeInteger(options.id) || options.id <= 0 || options.id >= CHAT_PEER_BASE) {
      throw new VkwireConfigError('Sandbox.user', 'id', `a positive integer below ${CHAT_PEER_BASE}`, {
        got: options.id,
      });
    }
    const user: UserRecord = {
      id: options.id,
      firstName: options.firstName ?? 'User',
      lastName: options.lastName ?? String(options.id),
      screenName: options.screenName ?? `id${options.id}`,
      sex: options.sex ?? 0,
      token: newAccessToken(),
      clientInfo: { ...FULL_CLIENT_INFO, ...options.clientInfo },
    };
    this.users.set(user.id, user);
    this.tokens.set(user.token, { kind: 'user', user });
    return user;
  }

  /** Who a token belongs to, or undefined for an unknown token. */
  tokenOwner(
    token: string,
  ): { kind: 'group'; group: GroupRecord } | { kind: 'user'; user: UserRecord } | undefined {
    return this.tokens.get(token);
  }

  /** A community by id. */
  group(id: number): GroupRecord | undefined {
    return this.groups.get(id);
  }

  /** Creates a group chat: the owner (an admin) and `members`, all invited by the owner now. */
  createChat(title: string, ownerId: number, members: Iterable<number>): ChatRecord {
    const chatId = this.nextChatId++;
    const chat: ChatRecord = {
      chatId,
      peerId: CHAT_PEER_BASE + chatId,
      title,
      ownerId,
      members: new Set(),
      joined: new Map(),
      admins: new Set([ownerId]),
    };
    const joinDate = unixNow();
    for (const id of [ownerId, ...members]) {
      chat.members.add(id);
      chat.joined.set(id, { invitedBy: ownerId, joinDate });
    }
    this.chats.set(chat.peerId, chat);
    return chat;
  }

  /**
   * The conversation of a peer as a community sees it: a private dialog belongs to one community,
   * a chat is shared by its members.
   */
  conversation(groupId: number, peerId: number): ConversationRecord {
    const key = isChatPeer(peerId) ? `chat:${peerId}` : `${groupId}:${peerId}`;
    let conversation = this.conversations.get(key);
    if (!conversation) {
      conversation = { peerId, lastCmid: 0, messages: new Map(), randomIds: new Map() };
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  /** The conversation of a peer when it exists (unlike `conversation`, creates nothing). */
  findConversation(groupId: number, peerId: number): ConversationRecord | undefined {
    return this.conversations.get(isChatPeer(peerId) ? `chat:${peerId}` : `${groupId}:${peerId}`);
  }

  /** Next value of VK's internal message `version` counter. */
  nextVersion(): number {
    this.version += 1;
    return this.version;
  }

  /**
   * Stores a new message in a conversation, giving it the next cmid and (in a private dialog)
   * the community's next mailbox id.
   */
  storeMessage(
    groupId: number,
    fields: Omit<StoredMessage, 'id' | 'cmid' | 'date' | 'version' | 'deleted'> & { date?: number },
  ): StoredMessage {
    const conversation = this.conversation(groupId, fields.peerId);
    const group = this.groups.get(groupId);
    let id = 0;
    if (!isChatPeer(fields.peerId) && group) {
      group.lastMessageId += 1;
      id = group.lastMessageId;
    }
    conversation.lastCmid += 1;
    const message: StoredMessage = {
      ...fields,
      id,
      cmid: conversation.lastCmid,
      date: fields.date ?? unixNow(),
      version: this.nextVersion(),
      deleted: false,
    };
    conversation.messages.set(message.cmid, message);
    if (message.randomId !== 0) {
      conversation.randomIds.set(message.randomId, { message, at: message.date });
      this.trimRandomIds(conversation);
    }
    this.feed.publish(() => ({
      type: 'message_new',
      groupId,
      peerId: message.peerId,
      message: messageView(message, groupId),
    }));
    return message;
  }

  /**
   * The message an earlier send with this random_id created, when VK would still treat the new
   * send as a duplicate (within the last hour and the last 100 messages of the dialog).
   */
  duplicateSend(conversation: ConversationRecord, randomId: number): StoredMessage | undefined {
    if (randomId === 0) return undefined;
    const hit = conversation.randomIds.get(randomId);
    if (!hit) return undefined;
    const fresh = unixNow() - hit.at < RANDOM_ID_WINDOW_SECONDS;
    const recent = conversation.lastCmid - hit.message.cmid < RANDOM_ID_WINDOW_MESSAGES;
    return fresh && recent ? hit.message : undefined;
  }

  private trimRandomIds(conversation: ConversationRecord): void {
    // Map iteration is insertion order, so the oldest entries come first.
    for (const [randomId, hit] of conversation.randomIds) {
      if (conversation.lastCmid - hit.message.cmid < RANDOM_ID_WINDOW_MESSAGES) break;
      conversation.randomIds.delete(randomId);
    }
  }

  /** Emits one community event to every sink, serialized once. */
  emit(groupId: number, type: string, object: unknown): void {
    const json = JSON.stringify({
      group_id: groupId,
      type,
      event_id: this.eventIds.next(),
      v: VK_API_VERSION,
      object,
    });
    for (const sink of this.sinks) sink(groupId, type, json);
  }

  /** Emits pre-serialized events (the bulk path): `build` gets each event id and returns the JSON. */
  emitSerialized(
    groupId: number,
    type: string,
    count: number,
    build: (eventId: string, index: number) => string,
  ): void {
    for (let index = 0; index < count; index += 1) {
      const json = build(this.eventIds.next(), index);
      for (const sink of this.sinks) sink(groupId, type, json);
    }
  }

  /** Whether a community may message a user now (the user allowed it or wrote first). */
  canMessage(group: GroupRecord, userId: number): boolean {
    return group.messagePermission.get(userId) === true;
  }
}
