import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { FeedReader } from './feed-reader.js';
import { ok } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

const CALLBACK_KEYBOARD = JSON.stringify({
  inline: true,
  buttons: [[{ action: { type: 'callback', label: 'Go', payload: '{"go":1}' }, color: 'negative' }]],
});

describe('the live feed (GET /_sandbox/feed)', () => {
  test("delivers a bot's send, typing, edit, answer and deletion, and what the user did", async () => {
    const feed = await FeedReader.open(`${vk.url}/_sandbox/feed`);
    vk.user(21).send('hi');
    expect((await feed.next('message_new')).data).toMatchObject({
      groupId: vk.group.id,
      peerId: 21,
      message: { from_id: 21, text: 'hi', conversation_message_id: 1 },
    });
    await ok(vk, 'messages.setActivity', { peer_id: 21, type: 'typing' });
    expect((await feed.next('typing')).data).toEqual({
      type: 'typing',
      groupId: vk.group.id,
      peerId: 21,
      fromId: -vk.group.id,
      state: 'typing',
    });
    await ok(vk, 'messages.send', {
      peer_id: 21,
      message: 'hello',
      keyboard: CALLBACK_KEYBOARD,
      random_id: 1,
    });
    const sent = (await feed.next('message_new')).data;
    expect(sent).toMatchObject({
      peerId: 21,
      message: {
        from_id: -vk.group.id,
        text: 'hello',
        conversation_message_id: 2,
        keyboard: { inline: true, buttons: [[{ color: 'negative', action: { label: 'Go' } }]] },
      },
    });
    await ok(vk, 'messages.edit', { peer_id: 21, conversation_message_id: 2, message: 'hello again' });
    expect((await feed.next('message_edit')).data).toMatchObject({
      peerId: 21,
      message: { conversation_message_id: 2, text: 'hello again', update_time: expect.any(Number) },
    });
    const eventId = vk.user(21).pressCallbackButton(21, 2, { go: 1 });
    expect((await feed.next('message_event')).data).toMatchObject({ userId: 21, cmid: 2, eventId });
    await ok(vk, 'messages.sendMessageEventAnswer', {
      event_id: eventId,
      user_id: 21,
      peer_id: 21,
      event_data: JSON.stringify({ type: 'show_snackbar', text: 'Gone' }),
    });
    expect((await feed.next('event_answer')).data).toEqual({
      type: 'event_answer',
      groupId: vk.group.id,
      peerId: 21,
      userId: 21,
      eventId,
      eventData: { type: 'show_snackbar', text: 'Gone' },
    });
    await ok(vk, 'messages.delete', { peer_id: 21, cmids: 2, delete_for_all: 1 });
    expect((await feed.next('message_delete')).data).toEqual({
      type: 'message_delete',
      groupId: vk.group.id,
      peerId: 21,
      cmids: [2],
      forAll: true,
    });
    vk.user(21).react(21, 1, 5);
    expect((await feed.next('reaction')).data).toMatchObject({ userId: 21, cmid: 1, reactionId: 5 });
  });

  test('?peer= keeps one conversation; a chat service message comes as message_new with its action', async () => {
    const chat = vk.createChat({ title: 'Team', members: [31, 32] });
    const feed = await FeedReader.open(`${vk.url}/_sandbox/feed?peer=${chat.peerId}`);
    vk.user(33).send('elsewhere');
    chat.rename('Team 2', { by: 31 });
    vk.user(32).send('in the chat', { peerId: chat.peerId });
    const first = (await feed.next('message_new')).data as { message: Record<string, unknown> };
    expect(first.message).toMatchObject({ action: { type: 'chat_title_update', text: 'Team 2' } });
    expect((await feed.next('message_new')).data).toMatchObject({ message: { text: 'in the chat' } });
    expect(feed.received.some((event) => JSON.stringify(event.data).includes('elsewhere'))).toBe(false);
    expect((await fetch(`${vk.url}/_sandbox/feed?peer=abc`)).status).toBe(400);
  });

  test('a reader that goes away stops listening', async () => {
    const reader = new AbortController();
    const response = await fetch(`${vk.url}/_sandbox/feed`, { signal: reader.signal });
    const body = response.body?.getReader();
    await body?.read(); // the first chunk: the subscription is on
    expect(vk.feed.listeners).toBe(1);
    reader.abort();
    await expect.poll(() => vk.feed.listeners).toBe(0);
  });

  test('streams end when the sandbox closes; vk.feed listeners get end() and no more subscriptions', async () => {
    const feed = await FeedReader.open(`${vk.url}/_sandbox/feed`);
    const other = await FeedReader.open(`${vk.url}/_sandbox/feed?peer=1`);
    const items: string[] = [];
    let ended = 0;
    vk.feed.subscribe({ item: (item) => items.push(item.type), end: () => (ended += 1) });
    vk.user(1).send('bye');
    await feed.next('message_new');
    await vk.close();
    await Promise.all([feed.ended, other.ended]);
    expect(feed.received.at(-1)?.event).toBe('end');
    expect(other.received.map((event) => event.event)).toEqual(['ready', 'message_new', 'end']);
    expect(items).toEqual(['message_new']);
    expect(ended).toBe(1);
    expect(() => vk.feed.subscribe({ item: () => {}, end: () => {} })).toThrow(/closed/);
  });
});
