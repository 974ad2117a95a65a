import { SimChat } from '../../simulation/chat.js';
import { CHAT_PEER_BASE, isChatPeer } from '../../world/message-view.js';
import type { ChatRecord, GroupRecord, VkObject } from '../../world/types.js';
import { type CallContext, callerGroup, type MethodTable, managedGroup } from '../context.js';
import { VkError } from '../errors.js';
import { groupView } from './groups.js';
import { userView } from './users.js';

const DEFAULT_MEMBERS_COUNT = 20;
const MAX_MEMBERS_COUNT = 1000;

/** The chat of a peer the community is in; error 917 otherwise (also for a chat that does not exist). */
function memberChat(context: CallContext, group: GroupRecord, peerId: number): ChatRecord {
  if (!isChatPeer(peerId)) throw new VkError(100, `peer_id ${peerId} is not a chat`);
  const chat = context.state.world.chats.get(peerId);
  if (!chat?.members.has(-group.id)) throw new VkError(917);
  return chat;
}

/** Whether `actor` (an admin) may remove `member`: not itself, not the owner, another admin only as the owner. */
function canKick(chat: ChatRecord, actor: number, member: number): boolean {
  if (member === actor || member === chat.ownerId) return false;
  return !chat.admins.has(member) || actor === chat.ownerId;
}

/**
 * `messages.getConversationMembers`: the members of a chat with who invited them and when, their
 * admin/owner flags and whether the community may kick them, plus `profiles` and `groups`. VK
 * answers 917 to a community that is not an admin of the chat (not in VK's schema; reported by
 * vk-io users, negezor/vk-io#169), so the sandbox requires admin rights.
 */
function getConversationMembers(context: CallContext): unknown {
  const group = managedGroup(context, false);
  const { state, params } = context;
  const chat = memberChat(context, group, params.requireInt('peer_id'));
  const self = -group.id;
  if (!chat.admins.has(self)) throw new VkError(917);
  const offset = params.int('offset') ?? 0;
  const count = params.int('count') ?? DEFAULT_MEMBERS_COUNT;
  if (offset < 0) throw new VkError(100, 'offset should be positive');
  if (count < 1 || count > MAX_MEMBERS_COUNT)
    throw new VkError(100, `count should be from 1 to ${MAX_MEMBERS_COUNT}`);
  const page = [...chat.members].slice(offset, offset + count);
  const items = page.map((memberId) => {
    const joined = chat.joined.get(memberId);
    const item: VkObject = {
      member_id: memberId,
      invited_by: joined?.invitedBy ?? chat.ownerId,
      join_date: joined?.joinDate ?? 0,
    };
    if (chat.admins.has(memberId)) item.is_admin = true;
    if (memberId === chat.ownerId) item.is_owner = true;
    if (canKick(chat, self, memberId)) item.can_kick = true;
    return item;
  });
  const fields = params.list('fields');
  const profiles = page.flatMap((id) => {
    const user = id > 0 ? state.world.users.get(id) : undefined;
    return user ? [userView(user, fields)] : [];
  });
  const groups = page.flatMap((id) => {
    const member = id < 0 ? state.world.group(-id) : undefined;
    return member ? [groupView(member)] : [];
  });
  return {
    count: chat.members.size,
    items,
    chat_restrictions: {
      admins_promote_users: false,
      only_admins_edit_info: false,
      only_admins_edit_pin: false,
      only_admins_invite: false,
      only_admins_kick: false,
    },
    profiles,
    groups,
  };
}

/**
 * `messages.removeChatUser`: a `chat_kick_user` service message by the community, then the member
 * is out. Leaving (`member_id: -group_id`) needs no rights; removing anyone else needs admin
 * rights (925), a member (935), and not the owner or, unless the community owns the chat, another
 * admin (15).
 */
function removeChatUser(context: CallContext): unknown {
  const group = callerGroup(context);
  const { state, params } = context;
  const chat = memberChat(context, group, CHAT_PEER_BASE + params.requireInt('chat_id'));
  const memberId = params.int('member_id') ?? params.int('user_id');
  if (memberId === undefined) throw new VkError(100, 'member_id is a required parameter');
  const self = -group.id;
  if (memberId !== self) {
    if (!chat.admins.has(self)) throw new VkError(925);
    if (!chat.members.has(memberId)) throw new VkError(935);
    if (!canKick(chat, self, memberId)) throw new VkError(15, `can't remove member ${memberId}`);
  }
  new SimChat(state, chat, () => group).kick(memberId, { by: self });
  return 1;
}

/** Chat membership methods of a community bot. */
export const chatMethods: MethodTable = {
  'messages.getConversationMembers': { run: getConversationMembers, tokens: 'group' },
  'messages.removeChatUser': { run: removeChatUser, tokens: 'group' },
};
