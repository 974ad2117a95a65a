import { VkwireConfigError } from '@vkwire/core';
import { unixNow } from '../ids.js';
import type { SandboxState } from '../state.js';
import { messageView } from '../world/message-view.js';
import type { ChatRecord, GroupRecord, StoredMessage, VkObject } from '../world/types.js';

/** Who did it: a member of the chat. @default the chat's owner */
export interface ChatActionOptions {
  by?: number;
}

/**
 * A simulated group chat. Everything that changes it is a service message in the chat (VK's
 * `message.action`), which every member community receives as `message_new`.
 *
 * @example
 * const chat = vk.createChat({ title: 'Team', members: [1, 2], admins: [-vk.group.id] });
 * chat.joinByLink(3); // action: { type: 'chat_invite_user_by_link', member_id: 3 }
 * chat.leave(2); // action: { type: 'chat_kick_user', member_id: 2 }, from_id 2
 */
export class SimChat {
  constructor(
    private readonly state: SandboxState,
    readonly record: ChatRecord,
    private readonly defaultGroup: () => GroupRecord,
  ) {}

  /** The chat's peer id (2000000000 + chat id). */
  get peerId(): number {
    return this.record.peerId;
  }

  /** The chat id. */
  get chatId(): number {
    return this.record.chatId;
  }

  /** The title. */
  get title(): string {
    return this.record.title;
  }

  /** The owner: a user id, or -group_id for a chat a community created. */
  get ownerId(): number {
    return this.record.ownerId;
  }

  /** Member ids in the order they joined (users positive, communities negative). */
  get members(): number[] {
    return [...this.record.members];
  }

  /** Admin ids (the owner included). */
  get admins(): number[] {
    return [...this.record.admins];
  }

  /** The cmid of the pinned message, if one is pinned. */
  get pinnedCmid(): number | undefined {
    return this.record.pinnedCmid;
  }

  /**
   * Adds a member (a user id, or `-groupId` for a community): a `chat_invite_user` service
   * message, which the invited community sees too. Returns its cmid.
   */
  invite(memberId: number, options: ChatActionOptions = {}): number {
    const by = this.actor('invite', options.by);
    this.admit('invite', memberId, by);
    return this.service({ type: 'chat_invite_user', member_id: memberId }, by);
  }

  /**
   * Adds a community to the chat: `chat_invite_user` with `member_id: -groupId`, which is how a
   * bot learns it was added. @default the sandbox's first community
   */
  inviteBot(groupId: number = this.defaultGroup().id, options: ChatActionOptions = {}): number {
    return this.invite(-groupId, options);
  }

  /** A user joins through the chat's invite link: `chat_invite_user_by_link`. Returns the cmid. */
  joinByLink(userId: number): number {
    this.admit('joinByLink', userId, userId, 'user');
    return this.service({ type: 'chat_invite_user_by_link', member_id: userId }, userId);
  }

  /**
   * A user's request to join is accepted (by an admin, `options.by`):
   * `chat_invite_user_by_message_request`, written by the user. Returns the cmid.
   */
  joinByRequest(userId: number, options: ChatActionOptions = {}): number {
    const by = this.actor('joinByRequest', options.by);
    this.admit('joinByRequest', userId, by, 'user');
    return this.service({ type: 'chat_invite_user_by_message_request', member_id: userId }, userId);
  }

  /**
   * Removes a member: a `chat_kick_user` service message (`by` the member itself means they left).
   * A kicked community stops seeing the chat after this message. Returns the cmid.
   */
  kick(memberId: number, options: ChatActionOptions = {}): number {
    const by = this.actor('kick', options.by);
    this.requireMember('kick', 'memberId', memberId);
    const cmid = this.service({ type: 'chat_kick_user', member_id: memberId }, by);
    this.record.members.delete(memberId);
    this.record.joined.delete(memberId);
    this.record.admins.delete(memberId);
    return cmid;
  }

  /** A member leaves on their own: `chat_kick_user` with `member_id` = `from_id`. Returns the cmid. */
  leave(memberId: number): number {
    return this.kick(memberId, { by: memberId });
  }

  /** Renames the chat: a `chat_title_update` service message. Returns the cmid. */
  rename(title: string, options: ChatActionOptions = {}): number {
    const by = this.actor('rename', options.by);
    const oldTitle = this.record.title;
    this.record.title = title;
    return this.service({ type: 'chat_title_update', text: title }, by, oldTitle);
  }

  /** A new chat photo: `chat_photo_update` with `photo: { photo_50, photo_100, photo_200 }`. Returns the cmid. */
  setPhoto(by: number = this.record.ownerId): number {
    const author = this.actor('setPhoto', by);
    const base = `https://sun9-1.userapi.com/sandbox/chat${this.chatId}_${unixNow()}`;
    const photo = { photo_50: `${base}_50.jpg`, photo_100: `${base}_100.jpg`, photo_200: `${base}_200.jpg` };
    return this.service({ type: 'chat_photo_update', photo }, author);
  }

  /** The chat photo is removed: `chat_photo_remove`. Returns the cmid. */
  removePhoto(by: number = this.record.ownerId): number {
    return this.service({ type: 'chat_photo_remove' }, this.actor('removePhoto', by));
  }

  /**
   * Pins a message of the chat: `chat_pin_message` with `member_id` (who pinned),
   * `conversation_message_id` and `message` (the pinned text). Returns the service message's cmid.
   */
  pin(by: number, cmid: number): number {
    const author = this.actor('pin', by);
    const message = this.pinnable(cmid);
    this.record.pinnedCmid = cmid;
    return this.service(
      { type: 'chat_pin_message', member_id: author, conversation_message_id: cmid, message: message.text },
      author,
    );
  }

  /**
   * Unpins the pinned message: `chat_unpin_message` with `member_id` and
   * `conversation_message_id`. Returns the service message's cmid.
   */
  unpin(by: number, cmid: number | undefined = this.record.pinnedCmid): number {
    const author = this.actor('unpin', by);
    if (cmid === undefined || cmid !== this.record.pinnedCmid) {
      throw new VkwireConfigError('SimChat.unpin', 'cmid', 'the cmid of the pinned message', {
        got: cmid,
      });
    }
    delete this.record.pinnedCmid;
    return this.service(
      { type: 'chat_unpin_message', member_id: author, conversation_message_id: cmid },
      author,
    );
  }

  /** A member took a screenshot of the chat: `chat_screenshot`. Returns the cmid. */
  screenshot(userId: number): number {
    return this.service({ type: 'chat_screenshot', member_id: userId }, this.actor('screenshot', userId));
  }

  /**
   * Grants (or takes) admin rights. No service message: VK announces none to bots. A community
   * needs them for `messages.getConversationMembers` and `messages.removeChatUser`.
   */
  setAdmin(memberId: number, isAdmin = true): void {
    this.requireMember('setAdmin', 'memberId', memberId);
    if (!isAdmin && memberId === this.record.ownerId) {
      throw new VkwireConfigError('SimChat.setAdmin', 'memberId', 'a member who is not the owner', {
        got: memberId,
      });
    }
    if (isAdmin) this.record.admins.add(memberId);
    else this.record.admins.delete(memberId);
  }

  /** @internal The `chat_create` service message of a new chat (`createChat` sends it). */
  announceCreation(): number {
    return this.service({ type: 'chat_create', text: this.record.title }, this.record.ownerId);
  }

  /** The author of an action: a member. */
  private actor(method: string, by: number = this.record.ownerId): number {
    this.requireMember(method, 'by', by);
    return by;
  }

  private requireMember(method: string, option: string, id: number): void {
    if (!this.record.members.has(id)) {
      throw new VkwireConfigError(`SimChat.${method}`, option, `a member of chat ${this.chatId}`, {
        got: id,
      });
    }
  }

  /** Puts a new member in, checking they exist and are not in yet. */
  private admit(method: string, memberId: number, invitedBy: number, kind: 'user' | 'any' = 'any'): void {
    const { world } = this.state;
    if (this.record.members.has(memberId)) {
      throw new VkwireConfigError(`SimChat.${method}`, 'memberId', `an id not yet in chat ${this.chatId}`, {
        got: memberId,
      });
    }
    if (memberId < 0 && kind === 'any') {
      if (!world.group(-memberId)) {
        throw new VkwireConfigError(
          `SimChat.${method}`,
          'memberId',
          'a user id or -id of a community of this sandbox',
          {
            got: memberId,
          },
        );
      }
    } else {
      world.ensureUser({ id: memberId });
    }
    this.record.members.add(memberId);
    this.record.joined.set(memberId, { invitedBy, joinDate: unixNow() });
  }

  private pinnable(cmid: number): StoredMessage {
    const message = this.state.world.conversation(0, this.peerId).messages.get(cmid);
    if (!message || message.deleted || message.action) {
      throw new VkwireConfigError('SimChat.pin', 'cmid', `the cmid of a message in chat ${this.chatId}`, {
        got: cmid,
      });
    }
    return message;
  }

  /** `oldTitle` is what User Long Poll reports as `source_old_text` (the API's action has no such key). */
  private service(action: VkObject, by: number, oldTitle?: string): number {
    const { world } = this.state;
    const groups = [...this.record.members].filter((id) => id < 0).map((id) => -id);
    const message = world.storeMessage(groups[0] ?? 0, {
      peerId: this.peerId,
      fromId: by,
      text: '',
      attachments: [],
      fwd: [],
      action,
      randomId: 0,
    });
    const author = world.users.get(by);
    for (const groupId of groups) {
      world.emit(groupId, 'message_new', {
        message: messageView(message, groupId),
        client_info: author?.clientInfo ?? {},
      });
    }
    this.state.userLongPoll.messageNew(message, groups[0] ?? 0, oldTitle === undefined ? {} : { oldTitle });
    return message.cmid;
  }
}
