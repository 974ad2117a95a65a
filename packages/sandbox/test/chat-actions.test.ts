import { readFileSync } from 'node:fs';
import { VkwireConfigError } from '@vkwire/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox, type SandboxUpdate } from '../src/index.js';
import { collect, type LongPollSession, longPollServer, ok } from './helpers.js';
import { shapeDiff } from './shape.js';

let vk: Sandbox;
let session: LongPollSession;
beforeEach(async () => {
  vk = await createSandbox();
  session = await longPollServer(vk);
});
afterEach(() => vk.close());

type Message = Record<string, unknown> & { action?: Record<string, unknown> };
const messageOf = (update: SandboxUpdate | undefined): Message => update?.object.message as Message;

/** The message of VK's chat_invite_user fixture without its action: every service message has these keys. */
const SERVICE_MESSAGE: unknown = (() => {
  const fixture = JSON.parse(
    readFileSync(new URL('./fixtures/events/message_new.chat_invite_user.json', import.meta.url), 'utf8'),
  ) as SandboxUpdate;
  const { action: _action, ...message } = fixture.object.message as Message;
  return message;
})();

/** Runs actions and returns the message_new events they produced, read over Bots Long Poll. */
async function serviceMessages(run: () => void): Promise<Message[]> {
  session.ts = String(vk.longPollTs());
  const before = vk.longPollTs();
  run();
  const updates = await collect(session, vk.longPollTs() - before);
  expect(updates.every((update) => update.type === 'message_new')).toBe(true);
  return updates.map(messageOf);
}

describe('service messages a user causes, as message_new with VK’s action objects', () => {
  test('joins, leaves, title, photo, pins and screenshots', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2, 3] });
    const rules = vk.user(1).send('Rules: be nice', { peerId: chat.peerId });
    const messages = await serviceMessages(() => {
      chat.joinByLink(4);
      chat.joinByRequest(5, { by: 1 });
      chat.leave(2);
      chat.kick(3, { by: 1 });
      chat.rename('Team 2', { by: 4 });
      chat.setPhoto(1);
      chat.removePhoto(5);
      chat.pin(1, rules.cmid);
      chat.unpin(4);
      chat.screenshot(5);
    });
    const photo = {
      photo_50: expect.stringMatching(/^https:.*50\.jpg$/),
      photo_100: expect.stringMatching(/^https:.*100\.jpg$/),
      photo_200: expect.stringMatching(/^https:.*200\.jpg$/),
    };
    expect(messages.map((message) => [message.from_id, message.action])).toEqual([
      [4, { type: 'chat_invite_user_by_link', member_id: 4 }],
      [5, { type: 'chat_invite_user_by_message_request', member_id: 5 }],
      [2, { type: 'chat_kick_user', member_id: 2 }],
      [1, { type: 'chat_kick_user', member_id: 3 }],
      [4, { type: 'chat_title_update', text: 'Team 2' }],
      [1, { type: 'chat_photo_update', photo }],
      [5, { type: 'chat_photo_remove' }],
      [
        1,
        {
          type: 'chat_pin_message',
          member_id: 1,
          conversation_message_id: rules.cmid,
          message: 'Rules: be nice',
        },
      ],
      [4, { type: 'chat_unpin_message', member_id: 4, conversation_message_id: rules.cmid }],
      [5, { type: 'chat_screenshot', member_id: 5 }],
    ]);
    for (const message of messages) {
      const { action: _action, ...rest } = message;
      expect(shapeDiff(SERVICE_MESSAGE, rest)).toEqual([]);
      expect(message).toMatchObject({ peer_id: chat.peerId, text: '', id: 0, out: 0 });
    }
    expect(chat.members).toEqual([1, -vk.group.id, 4, 5]);
    expect(chat.pinnedCmid).toBeUndefined();
  });

  test('a bot learns it was added from chat_invite_user with member_id -groupId', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2], groupIds: [] });
    const [message] = await serviceMessages(() => chat.inviteBot(undefined, { by: 2 }));
    expect(message).toMatchObject({
      from_id: 2,
      action: { type: 'chat_invite_user', member_id: -vk.group.id },
    });
    expect(chat.members).toEqual([1, 2, -vk.group.id]);
  });

  test('a chat created by the community starts with chat_create, which the community sees', async () => {
    const messages = await serviceMessages(() => {
      vk.createChat({ title: 'Support', owner: -vk.group.id, members: [1, 2] });
    });
    expect(messages.map((message) => [message.from_id, message.out, message.action])).toEqual([
      [-vk.group.id, 1, { type: 'chat_create', text: 'Support' }],
    ]);
  });

  test('a chat created by a user has chat_create as its first message, before the bot was in it', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1], admins: [-vk.group.id] });
    const answer = await ok<{ items: Message[] }>(vk, 'messages.getByConversationMessageId', {
      peer_id: chat.peerId,
      conversation_message_ids: '1,2',
    });
    expect(answer.items.map((message) => message.action)).toEqual([
      { type: 'chat_create', text: 'Team' },
      { type: 'chat_invite_user', member_id: -vk.group.id },
    ]);
    expect(chat.admins).toEqual([1, -vk.group.id]);
  });

  test('vk.chat finds a chat by chat id or peer id', () => {
    const chat = vk.createChat({ title: 'Team', members: [1] });
    expect(vk.chat(chat.chatId)).toBe(chat);
    expect(vk.chat(chat.peerId)).toBe(chat);
    expect(() => vk.chat(99)).toThrow(VkwireConfigError);
  });
});

describe('chat simulation calls that name nothing in the chat are VkwireConfigErrors', () => {
  test.each([
    ['inviting a member', (chat: ReturnType<Sandbox['createChat']>) => chat.invite(2), 'memberId'],
    [
      'inviting an unknown community',
      (chat: ReturnType<Sandbox['createChat']>) => chat.invite(-5),
      'memberId',
    ],
    ['kicking a non-member', (chat: ReturnType<Sandbox['createChat']>) => chat.kick(9), 'memberId'],
    [
      'acting as a non-member',
      (chat: ReturnType<Sandbox['createChat']>) => chat.rename('x', { by: 9 }),
      'by',
    ],
    ['pinning a missing cmid', (chat: ReturnType<Sandbox['createChat']>) => chat.pin(1, 500), 'cmid'],
    ['pinning a service message', (chat: ReturnType<Sandbox['createChat']>) => chat.pin(1, 1), 'cmid'],
    ['unpinning with nothing pinned', (chat: ReturnType<Sandbox['createChat']>) => chat.unpin(1), 'cmid'],
    ['demoting the owner', (chat: ReturnType<Sandbox['createChat']>) => chat.setAdmin(1, false), 'memberId'],
    ['joining twice by link', (chat: ReturnType<Sandbox['createChat']>) => chat.joinByLink(2), 'memberId'],
  ])('%s', (_name, run, option) => {
    const chat = vk.createChat({ title: 'Team', members: [1, 2] });
    expect(() => run(chat)).toThrow(expect.objectContaining({ name: 'VkwireConfigError', option }));
  });
});
