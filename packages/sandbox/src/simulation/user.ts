import { VkwireConfigError } from '@vkwire/core';
import { randomHex } from '../ids.js';
import type { SandboxState } from '../state.js';
import { photoObject } from '../world/attachments.js';
import { isChatPeer, messageView } from '../world/message-view.js';
import type { GroupRecord, StoredMessage, UserRecord, VkObject } from '../world/types.js';
import { buildAttachments, type SimAttachment } from './attachments-input.js';

/** Options of a simulated user's message. */
export interface SendOptions {
  /** Where: a chat's peer id; without it a private message to the community. */
  peerId?: number;
  /** Which community (private messages). @default the sandbox's first community */
  groupId?: number;
  /** Button payload: an object is JSON-encoded, a string is sent as it is. */
  payload?: unknown;
  attachments?: readonly SimAttachment[];
  /** cmid of a message in the same conversation this one replies to. */
  replyTo?: number;
  /** cmids of messages in the same conversation to forward. */
  forward?: readonly number[];
  /** Extra message fields (for example `ref` and `ref_source` of a start link). */
  extra?: VkObject;
}

/** A message a simulated user sent, as stored. */
export interface SentByUser {
  peerId: number;
  cmid: number;
  /** Mailbox id as the community sees it (0 in chats). */
  id: number;
  text: string;
}

/** Options of a typing event. */
export interface TypingOptions {
  /** `typing` or `audiomessage` (vk-io also knows photo, video, file). @default 'typing' */
  state?: string;
}

/** A simulated VK user: everything they do produces the events VK would send to communities. */
export class SimUser {
  constructor(
    private readonly state: SandboxState,
    readonly record: UserRecord,
    private readonly defaultGroup: () => GroupRecord,
  ) {}

  /** The user id. */
  get id(): number {
    return this.record.id;
  }

  /** A user access token (3 requests/s). */
  get token(): string {
    return this.record.token;
  }

  /**
   * Sends a message: privately to a community (the bot sees `peer_id` = this user's id), or to a
   * chat when `peerId` is a chat's peer id (every member community sees it). Writing to a
   * community also lets it answer, as on VK.
   */
  send(text: string, options: SendOptions = {}): SentByUser {
    const { world } = this.state;
    const peerId = options.peerId ?? this.id;
    const chat = isChatPeer(peerId) ? world.chats.get(peerId) : undefined;
    if (isChatPeer(peerId) && !chat?.members.has(this.id)) {
      throw new VkwireConfigError('SimUser.send', 'peerId', `a chat user ${this.id} is a member of`, {
        got: peerId,
      });
    }
    if (peerId !== this.id && !chat)
      throw new VkwireConfigError(
        'SimUser.send',
        'peerId',
        'a chat peer id (or no peerId: a private message)',
        {
          got: peerId,
        },
      );
    const groups = chat
      ? [...chat.members].filter((id) => id < 0).map((id) => world.group(-id))
      : [this.group(options.groupId)];
    const storeGroup = groups[0]?.id ?? 0;
    const conversation = world.conversation(storeGroup, peerId);
    const pick = (cmid: number): StoredMessage => {
      const message = conversation.messages.get(cmid);
      if (!message) {
        throw new VkwireConfigError(
          'SimUser.send',
          'replyTo/forward',
          `cmids of messages in peer ${peerId}`,
          {
            got: cmid,
          },
        );
      }
      return message;
    };
    const payload =
      options.payload === undefined || typeof options.payload === 'string'
        ? options.payload
        : JSON.stringify(options.payload);
    const message = world.storeMessage(storeGroup, {
      peerId,
      fromId: this.id,
      text,
      attachments: buildAttachments(this.state, this.id, options.attachments ?? [], 'SimUser.send'),
      fwd: (options.forward ?? []).map(pick),
      ...(options.replyTo !== undefined ? { reply: pick(options.replyTo) } : {}),
      ...(payload !== undefined ? { payload } : {}),
      ...(options.extra ? { extra: options.extra } : {}),
      randomId: 0,
    });
    for (const group of groups) {
      if (!group) continue;
      if (!chat) group.messagePermission.set(this.id, true);
      world.emit(group.id, 'message_new', {
        message: messageView(message, group.id),
        client_info: this.record.clientInfo,
      });
    }
    this.state.userLongPoll.messageNew(message, storeGroup);
    return { peerId, cmid: message.cmid, id: message.id, text };
  }

  /**
   * Uploads a photo as this user (what the VK app does before sending one): the sandbox keeps
   * its bytes (served at `GET /_sandbox/media/photo<user id>_<id>`) and returns the attachment
   * to pass to `send(text, { attachments: [attachment] })`.
   *
   * @example
   * const photo = user.uploadPhoto(png, { mime: 'image/png' });
   * user.send('look', { attachments: [photo] });
   */
  uploadPhoto(
    data: Uint8Array,
    options: { mime?: string; fileName?: string; text?: string } = {},
  ): SimAttachment {
    if (!(data instanceof Uint8Array) || data.byteLength === 0) {
      throw new VkwireConfigError('SimUser.uploadPhoto', 'data', 'the non-empty bytes of an image', {
        got: data,
      });
    }
    const photo = photoObject(this.id, { text: options.text ?? '' });
    this.state.rememberMedia('photo', photo, {
      data,
      mime: options.mime ?? 'image/jpeg',
      fileName: options.fileName ?? 'photo.jpg',
    });
    return { type: 'photo', photo };
  }

  /** Presses a callback button of message `cmid` in `peerId`: a `message_event`. Returns its event_id. */
  pressCallbackButton(
    peerId: number,
    cmid: number,
    payload: unknown,
    options: { groupId?: number } = {},
  ): string {
    const group = this.groupOf(peerId, options.groupId);
    const eventId = randomHex(6);
    this.state.pendingPresses.set(eventId, {
      groupId: group.id,
      userId: this.id,
      peerId,
      at: Date.now(),
      answered: false,
    });
    this.state.world.emit(group.id, 'message_event', {
      user_id: this.id,
      peer_id: peerId,
      event_id: eventId,
      payload,
      conversation_message_id: cmid,
    });
    this.state.feed.publish(() => ({
      type: 'message_event',
      groupId: group.id,
      peerId,
      userId: this.id,
      cmid,
      eventId,
      payload,
    }));
    return eventId;
  }

  /** Puts a reaction (1–64) on message `cmid` in `peerId`: a `message_reaction_event`. */
  react(peerId: number, cmid: number, reactionId: number, options: { groupId?: number } = {}): void {
    const group = this.groupOf(peerId, options.groupId);
    this.state.world.emit(group.id, 'message_reaction_event', {
      reacted_id: this.id,
      peer_id: peerId,
      cmid,
      reaction_id: reactionId,
    });
    this.state.feed.publish(() => ({
      type: 'reaction',
      groupId: group.id,
      peerId,
      userId: this.id,
      cmid,
      reactionId,
    }));
  }

  /** Starts typing to a community: a `message_typing_state`. */
  typing(peerId: number = this.id, options: TypingOptions & { groupId?: number } = {}): void {
    const group = this.groupOf(peerId, options.groupId);
    this.state.world.emit(group.id, 'message_typing_state', {
      state: options.state ?? 'typing',
      from_id: this.id,
      to_id: -group.id,
    });
    this.state.userLongPoll.typing(this.id, peerId, group.id);
    this.state.feed.publish(() => ({
      type: 'typing',
      groupId: group.id,
      peerId,
      fromId: this.id,
      state: options.state ?? 'typing',
    }));
  }

  /** Joins a community: a `group_join`. */
  join(groupId?: number, joinType = 'join'): void {
    const group = this.group(groupId);
    group.members.add(this.id);
    this.state.world.emit(group.id, 'group_join', { user_id: this.id, join_type: joinType });
    this.announce('group_join', group.id);
  }

  /** Leaves a community: a `group_leave` with `self: 1`. */
  leave(groupId?: number): void {
    const group = this.group(groupId);
    group.members.delete(this.id);
    this.state.world.emit(group.id, 'group_leave', { user_id: this.id, self: 1 });
    this.announce('group_leave', group.id);
  }

  /** Allows messages from a community: a `message_allow` (`key` is what a mini app passed). */
  allowMessages(groupId?: number, key = ''): void {
    const group = this.group(groupId);
    group.messagePermission.set(this.id, true);
    this.state.world.emit(group.id, 'message_allow', { user_id: this.id, key });
    this.announce('message_allow', group.id);
  }

  /** Denies messages from a community: a `message_deny`; sends to this user fail with error 901. */
  denyMessages(groupId?: number): void {
    const group = this.group(groupId);
    group.messagePermission.set(this.id, false);
    this.state.world.emit(group.id, 'message_deny', { user_id: this.id });
    this.announce('message_deny', group.id);
  }

  /** Likes an object of a community (a post by default): a `like_add`. */
  like(objectId: number, options: { groupId?: number; objectType?: string; ownerId?: number } = {}): void {
    const group = this.group(options.groupId);
    this.state.world.emit(group.id, 'like_add', {
      liker_id: this.id,
      object_type: options.objectType ?? 'post',
      object_owner_id: options.ownerId ?? -group.id,
      object_id: objectId,
      thread_reply_id: 0,
      post_id: 0,
    });
  }

  private announce(
    type: 'group_join' | 'group_leave' | 'message_allow' | 'message_deny',
    groupId: number,
  ): void {
    this.state.feed.publish(() => ({ type, groupId, peerId: this.id, userId: this.id }));
  }

  private group(groupId?: number): GroupRecord {
    if (groupId === undefined) return this.defaultGroup();
    const group = this.state.world.group(groupId);
    if (!group) {
      throw new VkwireConfigError('SimUser', 'groupId', 'the id of a community of this sandbox', {
        got: groupId,
      });
    }
    return group;
  }

  /** The community that sees an action in `peerId`: the chat's first member community, or the named one. */
  private groupOf(peerId: number, groupId?: number): GroupRecord {
    if (groupId !== undefined || !isChatPeer(peerId)) return this.group(groupId);
    const member = [...(this.state.world.chats.get(peerId)?.members ?? [])].find((id) => id < 0);
    if (member === undefined) {
      throw new VkwireConfigError('SimUser', 'peerId', 'a chat with a community in it (or pass groupId)', {
        got: peerId,
      });
    }
    return this.group(-member);
  }
}
