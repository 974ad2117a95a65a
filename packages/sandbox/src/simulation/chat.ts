import type { SandboxState } from '../state.js';
import { messageView } from '../world/message-view.js';
import type { ChatRecord, VkObject } from '../world/types.js';

/** A simulated group chat: members join and leave through service messages, as on VK. */
export class SimChat {
  constructor(
    private readonly state: SandboxState,
    readonly record: ChatRecord,
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

  /**
   * Adds a member (a user id, or `-groupId` for a community): a `chat_invite_user` service
   * message, which the invited community sees too. Returns its cmid.
   */
  invite(memberId: number, options: { by?: number } = {}): number {
    this.record.members.add(memberId);
    return this.service({ type: 'chat_invite_user', member_id: memberId }, options.by);
  }

  /**
   * Removes a member: a `chat_kick_user` service message (`by` the member itself means they left).
   * A kicked community stops seeing the chat. Returns the cmid.
   */
  kick(memberId: number, options: { by?: number } = {}): number {
    const cmid = this.service({ type: 'chat_kick_user', member_id: memberId }, options.by);
    this.record.members.delete(memberId);
    return cmid;
  }

  /** Renames the chat: a `chat_title_update` service message. Returns the cmid. */
  rename(title: string, options: { by?: number } = {}): number {
    const oldTitle = this.record.title;
    this.record.title = title;
    return this.service({ type: 'chat_title_update', text: title }, options.by, oldTitle);
  }

  /** `oldTitle` is what User Long Poll reports as `source_old_text` (the API's action has no such key). */
  private service(action: VkObject, by: number = this.record.ownerId, oldTitle?: string): number {
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
