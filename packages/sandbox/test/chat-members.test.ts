import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer, ok } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

interface MembersAnswer {
  count: number;
  items: Array<Record<string, unknown>>;
  chat_restrictions: Record<string, boolean>;
  profiles: Array<Record<string, unknown>>;
  groups: Array<Record<string, unknown>>;
}

/** The keys of VK's `MessagesConversationMember` (api-schema-typescript 1.5199.0). */
const MEMBER_KEYS = [
  'can_kick',
  'is_restricted_to_write',
  'invited_by',
  'is_admin',
  'is_owner',
  'is_message_request',
  'join_date',
  'request_date',
  'member_id',
];

const errorCode = async (method: string, params: Record<string, string | number>) =>
  (await call(vk, method, params)).error?.error_code;

describe('messages.getConversationMembers', () => {
  test('lists members with inviter, join date, owner/admin flags and kick rights, plus profiles and groups', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2, 3], admins: [-vk.group.id] });
    chat.setAdmin(3);
    const answer = await ok<MembersAnswer>(vk, 'messages.getConversationMembers', {
      peer_id: chat.peerId,
      fields: 'screen_name',
    });
    const date = expect.any(Number);
    expect(answer.count).toBe(4);
    expect(answer.items).toEqual([
      { member_id: 1, invited_by: 1, join_date: date, is_admin: true, is_owner: true },
      { member_id: 2, invited_by: 1, join_date: date, can_kick: true },
      { member_id: 3, invited_by: 1, join_date: date, is_admin: true },
      { member_id: -vk.group.id, invited_by: 1, join_date: date, is_admin: true },
    ]);
    for (const item of answer.items) expect(MEMBER_KEYS).toEqual(expect.arrayContaining(Object.keys(item)));
    expect(answer.profiles.map((profile) => [profile.id, profile.screen_name])).toEqual([
      [1, 'id1'],
      [2, 'id2'],
      [3, 'id3'],
    ]);
    expect(answer.groups).toEqual([expect.objectContaining({ id: vk.group.id, name: vk.group.name })]);
    expect(Object.keys(answer.chat_restrictions).sort()).toEqual([
      'admins_promote_users',
      'only_admins_edit_info',
      'only_admins_edit_pin',
      'only_admins_invite',
      'only_admins_kick',
    ]);
  });

  test('members who joined later carry who let them in; offset and count page the items, count stays the total', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1], admins: [-vk.group.id] });
    chat.invite(2, { by: 1 });
    chat.joinByLink(3);
    const answer = await ok<MembersAnswer>(vk, 'messages.getConversationMembers', {
      peer_id: chat.peerId,
      offset: 2,
      count: 5,
    });
    expect(answer.count).toBe(4);
    expect(answer.items.map((item) => [item.member_id, item.invited_by])).toEqual([
      [2, 1],
      [3, 3],
    ]);
    expect(answer.profiles.map((profile) => profile.id)).toEqual([2, 3]);
    expect(answer.groups).toEqual([]);
    expect(await errorCode('messages.getConversationMembers', { peer_id: chat.peerId, count: 0 })).toBe(100);
  });

  test('a community that is in the chat but no admin gets 917, as on VK', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1] });
    expect(await errorCode('messages.getConversationMembers', { peer_id: chat.peerId })).toBe(917);
    chat.setAdmin(-vk.group.id);
    expect(await errorCode('messages.getConversationMembers', { peer_id: chat.peerId })).toBeUndefined();
    chat.setAdmin(-vk.group.id, false);
    expect(await errorCode('messages.getConversationMembers', { peer_id: chat.peerId })).toBe(917);
  });

  test('a chat the community is not in, or that does not exist, is 917; a private peer is 100', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1], groupIds: [] });
    expect(await errorCode('messages.getConversationMembers', { peer_id: chat.peerId })).toBe(917);
    expect(await errorCode('messages.getConversationMembers', { peer_id: chat.peerId + 50 })).toBe(917);
    expect(await errorCode('messages.getConversationMembers', { peer_id: 1 })).toBe(100);
    expect(await errorCode('messages.getConversationMembers', {})).toBe(100);
  });

  test('admins show in getConversationsById chat_settings too', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2], admins: [2] });
    const answer = await ok<{ items: Array<{ chat_settings: Record<string, unknown> }> }>(
      vk,
      'messages.getConversationsById',
      { peer_ids: chat.peerId },
    );
    expect(answer.items[0]?.chat_settings).toMatchObject({ owner_id: 1, admin_ids: [1, 2] });
  });
});

describe('messages.removeChatUser', () => {
  test('an admin community removes a member: 1, a chat_kick_user message from the community, the member is gone', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2], admins: [-vk.group.id] });
    const session = await longPollServer(vk);
    session.ts = String(vk.longPollTs());
    expect(await ok(vk, 'messages.removeChatUser', { chat_id: chat.chatId, member_id: 2 })).toBe(1);
    const [event] = await collect(session, 1);
    expect(event?.type).toBe('message_new');
    expect(event?.object.message).toMatchObject({
      from_id: -vk.group.id,
      out: 1,
      peer_id: chat.peerId,
      text: '',
      action: { type: 'chat_kick_user', member_id: 2 },
    });
    expect(chat.members).toEqual([1, -vk.group.id]);
    const members = await ok<MembersAnswer>(vk, 'messages.getConversationMembers', { peer_id: chat.peerId });
    expect(members.items.map((item) => item.member_id)).toEqual([1, -vk.group.id]);
    expect(() => vk.user(2).send('let me back', { peerId: chat.peerId })).toThrow(/member/);
  });

  test('user_id works like member_id', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2], admins: [-vk.group.id] });
    expect(await ok(vk, 'messages.removeChatUser', { chat_id: chat.chatId, user_id: 2 })).toBe(1);
    expect(chat.members).not.toContain(2);
  });

  test('without admin rights 925; a non-member 935; the owner 15; no member named 100', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2] });
    expect(await errorCode('messages.removeChatUser', { chat_id: chat.chatId, member_id: 2 })).toBe(925);
    chat.setAdmin(-vk.group.id);
    expect(await errorCode('messages.removeChatUser', { chat_id: chat.chatId, member_id: 77 })).toBe(935);
    expect(await errorCode('messages.removeChatUser', { chat_id: chat.chatId, member_id: 1 })).toBe(15);
    expect(await errorCode('messages.removeChatUser', { chat_id: chat.chatId })).toBe(100);
    expect(chat.members).toEqual([1, 2, -vk.group.id]);
  });

  test('another admin can be removed only by a community that owns the chat', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2], admins: [2, -vk.group.id] });
    expect(await errorCode('messages.removeChatUser', { chat_id: chat.chatId, member_id: 2 })).toBe(15);
    const own = vk.createChat({ title: 'Ours', owner: -vk.group.id, members: [1, 2], admins: [2] });
    expect(await ok(vk, 'messages.removeChatUser', { chat_id: own.chatId, member_id: 2 })).toBe(1);
  });

  test('a community leaves a chat without admin rights and then has no access (917)', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1] });
    expect(await ok(vk, 'messages.removeChatUser', { chat_id: chat.chatId, member_id: -vk.group.id })).toBe(
      1,
    );
    expect(chat.members).toEqual([1]);
    expect(await errorCode('messages.removeChatUser', { chat_id: chat.chatId, member_id: 1 })).toBe(917);
    expect(
      await errorCode('messages.send', { peer_id: chat.peerId, message: 'still here?', random_id: 1 }),
    ).toBe(917);
  });
});
