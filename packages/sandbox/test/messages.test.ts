import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer, ok } from './helpers.js';
import { shapeDiff } from './shape.js';

let vk: Sandbox;
const ANNA = 193847562;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

const keyboardFixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/keyboards/${name}`, import.meta.url), 'utf8');
const sendFixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/api/${name}`, import.meta.url), 'utf8'));

describe('messages.send', () => {
  test('with a user token: the user writes to the community or a chat, as user.send would', async () => {
    const user = vk.user(ANNA);
    const id = await ok<number>(
      vk,
      'messages.send',
      { peer_id: -vk.group.id, message: 'from my token', random_id: 1 },
      user.token,
    );
    expect(id).toBeGreaterThan(0);
    const chat = vk.createChat({ title: 'team', members: [ANNA] });
    expect(
      await ok(
        vk,
        'messages.send',
        { peer_id: chat.peerId, message: 'in the chat', random_id: 2 },
        user.token,
      ),
    ).toBe(0);
    const texts = vk
      .events()
      .filter((event) => event.type === 'message_new')
      .map((event) => event.object.message as { text: string; from_id: number });
    expect(texts.filter((message) => message.text !== '')).toEqual([
      expect.objectContaining({ text: 'from my token', from_id: ANNA }),
      expect.objectContaining({ text: 'in the chat', from_id: ANNA }),
    ]);
    // Each user token has its own limit of 3 requests a second.
    const stranger = vk.createChat({ title: 'other', members: [777] });
    expect(
      (await call(vk, 'messages.send', { peer_id: stranger.peerId, message: 'x', random_id: 3 }, user.token))
        .error?.error_code,
    ).toBe(917);
    expect(
      (await call(vk, 'messages.send', { peer_id: 42, message: 'x', random_id: 4 }, vk.user(777).token)).error
        ?.error_code,
    ).toBe(100);
  });

  test('a user who wrote can be answered; the answer is recorded with its keyboard', async () => {
    vk.user(ANNA).send('hi');
    const keyboard = keyboardFixture('keyboard.inline.json');
    const id = await ok<number>(vk, 'messages.send', {
      peer_id: ANNA,
      message: 'pong',
      random_id: 7,
      keyboard,
    });
    expect(id).toBeGreaterThan(0);
    const [sent] = vk.sent({ peer: ANNA });
    expect(sent).toMatchObject({
      peerId: ANNA,
      id,
      text: 'pong',
      randomId: 7,
      keyboard: JSON.parse(keyboard),
    });
  });

  test('a user who has not allowed messages gets error 901; allowing fixes it; denying breaks it again', async () => {
    const user = vk.user(ANNA);
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'hi', random_id: 1 })).error?.error_code,
    ).toBe(901);
    user.allowMessages();
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'hi', random_id: 2 })).response,
    ).toEqual(expect.any(Number));
    user.denyMessages();
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'hi', random_id: 3 })).error?.error_code,
    ).toBe(901);
  });

  test('a repeated random_id does not create a second message and returns the first id', async () => {
    vk.user(ANNA).send('hi');
    const first = await ok<number>(vk, 'messages.send', { peer_id: ANNA, message: 'once', random_id: 42 });
    const again = await ok<number>(vk, 'messages.send', { peer_id: ANNA, message: 'once', random_id: 42 });
    expect(again).toBe(first);
    expect(vk.sent({ peer: ANNA })).toHaveLength(1);
    await ok(vk, 'messages.send', { peer_id: ANNA, message: 'twice', random_id: 0 });
    await ok(vk, 'messages.send', { peer_id: ANNA, message: 'twice', random_id: 0 });
    expect(vk.sent({ peer: ANNA })).toHaveLength(3);
  });

  test('text over 9000 characters is error 914; 9000 is fine', async () => {
    vk.user(ANNA).send('hi');
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'a'.repeat(9001), random_id: 1 })).error
        ?.error_code,
    ).toBe(914);
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'a'.repeat(9000), random_id: 2 })).error,
    ).toBeUndefined();
  });

  test('an empty message is error 100 and a broken keyboard is error 911', async () => {
    vk.user(ANNA).send('hi');
    expect((await call(vk, 'messages.send', { peer_id: ANNA, random_id: 1 })).error?.error_code).toBe(100);
    const tooMany = JSON.stringify({
      inline: true,
      buttons: Array.from({ length: 7 }, () => [{ action: { type: 'text', label: 'x' } }]),
    });
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'x', random_id: 2, keyboard: tooMany }))
        .error?.error_code,
    ).toBe(911);
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'x', random_id: 3, keyboard: '{not json' }))
        .error?.error_code,
    ).toBe(911);
    for (const name of ['keyboard.default.json', 'keyboard.inline.json', 'keyboard.remove.json']) {
      const answer = await call(vk, 'messages.send', {
        peer_id: ANNA,
        message: 'x',
        random_id: 0,
        keyboard: keyboardFixture(name),
      });
      expect(answer.error, name).toBeUndefined();
    }
  });

  test('peer_ids answers one item per peer, with a per-peer error instead of failing the call', async () => {
    vk.user(ANNA).send('hi');
    vk.user(352918476);
    const chat = vk.createChat({ title: 'chat', members: [ANNA] });
    const answer = await call(vk, 'messages.send', {
      peer_ids: `${ANNA},${chat.peerId},352918476`,
      message: 'all',
      random_id: 9,
    });
    expect(shapeDiff(sendFixture('messages.send.peer_ids.response.json'), answer)).toEqual([]);
    const [user, inChat, denied] = answer.response as Array<Record<string, unknown>>;
    expect(user).toMatchObject({ peer_id: ANNA, message_id: expect.any(Number), conversation_message_id: 2 });
    expect(inChat).toMatchObject({ peer_id: chat.peerId, message_id: 0 });
    expect(denied).toEqual({
      peer_id: 352918476,
      error: { code: 901, description: "Can't send messages for users without permission" },
    });
  });

  test('a chat the community is not in is error 917', async () => {
    const chat = vk.createChat({ title: 'chat', members: [ANNA], groupIds: [] });
    expect(
      (await call(vk, 'messages.send', { peer_id: chat.peerId, message: 'x', random_id: 1 })).error
        ?.error_code,
    ).toBe(917);
  });

  test('reply_to, forward by cmid, attachments and payload arrive in the stored message', async () => {
    vk.user(ANNA).send('hi');
    const chat = vk.createChat({ title: 'chat', members: [ANNA] });
    const question = vk.user(ANNA).send('question?', { peerId: chat.peerId });
    await ok(vk, 'messages.send', {
      peer_id: chat.peerId,
      message: 'answer',
      random_id: 3,
      payload: '{"a":1}',
      attachment: 'photo-1_2_abc,doc5_6',
      forward: JSON.stringify({
        peer_id: chat.peerId,
        conversation_message_ids: [question.cmid],
        is_reply: true,
      }),
    });
    const [sent] = vk.sent({ peer: chat.peerId });
    expect(sent).toMatchObject({
      replyTo: question.cmid,
      payload: '{"a":1}',
      attachments: ['photo-1_2_abc', 'doc5_6'],
      id: 0,
    });
    expect(sent?.object.reply_message).toMatchObject({ text: 'question?', from_id: ANNA });
    expect(
      (await call(vk, 'messages.send', { peer_id: ANNA, message: 'x', random_id: 4, attachment: 'nonsense' }))
        .error?.error_code,
    ).toBe(100);
  });

  test('a private answer comes back as message_reply; a chat answer does not', async () => {
    vk.user(ANNA).send('hi');
    const chat = vk.createChat({ title: 'chat', members: [ANNA] });
    const session = await longPollServer(vk);
    await ok(vk, 'messages.send', { peer_id: ANNA, message: 'private', random_id: 1 });
    await ok(vk, 'messages.send', { peer_id: chat.peerId, message: 'chat', random_id: 2 });
    vk.user(ANNA).typing();
    const updates = await collect(session, 2);
    expect(updates.map((update) => update.type)).toEqual(['message_reply', 'message_typing_state']);
    expect(updates[0]?.object).toMatchObject({ text: 'private', out: 1, from_id: -vk.group.id });
  });
});

describe('editing, deleting and reading messages', () => {
  test('messages.edit by id and by cmid changes the text and emits message_edit', async () => {
    vk.user(ANNA).send('hi');
    const session = await longPollServer(vk);
    const id = await ok<number>(vk, 'messages.send', { peer_id: ANNA, message: 'v1', random_id: 1 });
    await ok(vk, 'messages.edit', { peer_id: ANNA, message_id: id, message: 'v2' });
    const cmid = vk.sent({ peer: ANNA })[0]?.cmid ?? 0;
    await ok(vk, 'messages.edit', { peer_id: ANNA, conversation_message_id: cmid, message: 'v3' });
    const updates = await collect(session, 3);
    expect(updates.map((update) => [update.type, update.object.text])).toEqual([
      ['message_reply', 'v1'],
      ['message_edit', 'v2'],
      ['message_edit', 'v3'],
    ]);
    expect(updates[2]?.object.update_time).toEqual(expect.any(Number));
    expect(vk.sent({ peer: ANNA })[0]).toMatchObject({ text: 'v3', edited: true });
  });

  test('editing a user message is refused and a missing message is error 100', async () => {
    const message = vk.user(ANNA).send('mine');
    expect(
      (
        await call(vk, 'messages.edit', {
          peer_id: ANNA,
          conversation_message_id: message.cmid,
          message: 'x',
        })
      ).error?.error_code,
    ).toBe(920);
    expect(
      (await call(vk, 'messages.edit', { peer_id: ANNA, conversation_message_id: 99, message: 'x' })).error
        ?.error_code,
    ).toBe(100);
  });

  test('messages.delete by cmids and by ids marks messages deleted', async () => {
    vk.user(ANNA).send('hi');
    const id = await ok<number>(vk, 'messages.send', { peer_id: ANNA, message: 'a', random_id: 1 });
    await ok(vk, 'messages.send', { peer_id: ANNA, message: 'b', random_id: 2 });
    const cmid = vk.sent({ peer: ANNA })[1]?.cmid ?? 0;
    expect(await ok(vk, 'messages.delete', { message_ids: id, delete_for_all: 1 })).toEqual({ [id]: 1 });
    expect(await ok(vk, 'messages.delete', { peer_id: ANNA, conversation_message_ids: cmid })).toEqual([
      { peer_id: ANNA, message_id: expect.any(Number), conversation_message_id: cmid, response: 1 },
    ]);
    expect(vk.sent({ peer: ANNA }).map((message) => message.deleted)).toEqual([true, true]);
  });

  test('getByConversationMessageId returns messages as the community sees them (id 0 in chats)', async () => {
    const chat = vk.createChat({ title: 'Team', members: [ANNA, 2] });
    const message = vk.user(2).send('in chat', { peerId: chat.peerId });
    const result = await ok<{ count: number; items: Array<Record<string, unknown>> }>(
      vk,
      'messages.getByConversationMessageId',
      {
        peer_id: chat.peerId,
        conversation_message_ids: `${message.cmid},999`,
      },
    );
    expect(result.count).toBe(1);
    expect(result.items[0]).toMatchObject({
      id: 0,
      conversation_message_id: message.cmid,
      text: 'in chat',
      from_id: 2,
      peer_id: chat.peerId,
    });
  });

  test('getConversationsById describes private dialogs and chats', async () => {
    vk.user(ANNA, { firstName: 'Анна' }).send('hi');
    const chat = vk.createChat({ title: 'Бодрое утро', members: [ANNA, 2] });
    const result = await ok<{ count: number; items: Array<Record<string, unknown>>; profiles: unknown[] }>(
      vk,
      'messages.getConversationsById',
      {
        peer_ids: `${ANNA},${chat.peerId}`,
        extended: 1,
      },
    );
    expect(result.count).toBe(2);
    expect(result.items[0]).toMatchObject({
      peer: { id: ANNA, type: 'user', local_id: ANNA },
      can_write: { allowed: true },
    });
    expect(result.items[1]).toMatchObject({
      peer: { id: chat.peerId, type: 'chat', local_id: chat.chatId },
      chat_settings: { title: 'Бодрое утро', members_count: 3 },
    });
    expect(result.profiles).toEqual([expect.objectContaining({ id: ANNA, first_name: 'Анна' })]);
  });
});

describe('callback buttons', () => {
  test('an answer with a snackbar is recorded; an unknown event_id is error 100', async () => {
    const user = vk.user(ANNA);
    user.send('hi');
    const eventId = user.pressCallbackButton(ANNA, 1, { cmd: 'go' });
    const eventData = readFileSync(
      new URL('./fixtures/keyboards/event_data.show_snackbar.json', import.meta.url),
      'utf8',
    );
    await ok(vk, 'messages.sendMessageEventAnswer', {
      event_id: eventId,
      user_id: ANNA,
      peer_id: ANNA,
      event_data: eventData,
    });
    expect(vk.eventAnswers({ peer: ANNA })).toEqual([
      expect.objectContaining({
        eventId,
        userId: ANNA,
        snackbar: (JSON.parse(eventData) as { text: string }).text,
      }),
    ]);
    const unknown = await call(vk, 'messages.sendMessageEventAnswer', {
      event_id: 'deadbeef',
      user_id: ANNA,
      peer_id: ANNA,
    });
    expect(unknown.error?.error_code).toBe(100);
  });

  test('a press can no longer be answered after its lifetime', async () => {
    const short = await createSandbox({ eventAnswerTtlMs: 50 });
    try {
      const eventId = short.user(ANNA).pressCallbackButton(ANNA, 1, {});
      await new Promise((resolve) => setTimeout(resolve, 80));
      const answer = await call(short, 'messages.sendMessageEventAnswer', {
        event_id: eventId,
        user_id: ANNA,
        peer_id: ANNA,
      });
      expect(answer.error?.error_code).toBe(100);
    } finally {
      await short.close();
    }
  });
});
