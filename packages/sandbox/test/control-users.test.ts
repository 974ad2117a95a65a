import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer, ok } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const post = async (path: string, body: unknown = {}): Promise<Answer> => {
  const response = await fetch(`${vk.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const get = async <T = Record<string, unknown>>(path: string): Promise<T> =>
  (await (await fetch(`${vk.url}${path}`)).json()) as T;

const KEYBOARD = JSON.stringify({
  one_time: false,
  inline: true,
  buttons: [
    [
      { action: { type: 'text', label: 'Yes', payload: '{"answer":"yes"}' }, color: 'positive' },
      { action: { type: 'callback', label: 'Count', payload: '{"cmd":"count"}' }, color: 'primary' },
    ],
    [{ action: { type: 'open_link', label: 'Docs', link: 'https://example.org/docs' } }],
    [{ action: { type: 'location' } }],
  ],
});

describe('the control API drives simulated users over HTTP', () => {
  test('users: created with a name, listed, and read back with their token', async () => {
    const created = await post('/_sandbox/users', { id: 5, firstName: 'Anna', lastName: 'Ivanova' });
    expect(created).toEqual({
      status: 200,
      body: { id: 5, firstName: 'Anna', lastName: 'Ivanova', screenName: 'id5', token: vk.user(5).token },
    });
    expect(await get('/_sandbox/users/5')).toMatchObject({ firstName: 'Anna', token: vk.user(5).token });
    expect(await get('/_sandbox/users')).toEqual([
      { id: 5, firstName: 'Anna', lastName: 'Ivanova', screenName: 'id5' },
    ]);
    // The token works as a user token of the API.
    expect(await ok(vk, 'users.get', { user_ids: 5 }, vk.user(5).token)).toMatchObject([{ id: 5 }]);
  });

  test('send with payload, reply, forward and attachments; typing, reactions and community actions', async () => {
    const session = await longPollServer(vk);
    const first = await post('/_sandbox/users/7/send', { text: 'one' });
    expect(first.body).toMatchObject({ peerId: 7, cmid: 1 });
    await post('/_sandbox/users/7/send', {
      text: 'two',
      payload: { command: 'start' },
      replyTo: 1,
      forward: [1],
      attachments: [{ type: 'doc', title: 'bill.pdf' }],
    });
    await post('/_sandbox/users/7/typing', {});
    await post('/_sandbox/users/7/react', { cmid: 1, reactionId: 3 });
    await post('/_sandbox/users/7/deny');
    await post('/_sandbox/users/7/allow', { key: 'promo' });
    await post('/_sandbox/users/7/join');
    await post('/_sandbox/users/7/leave');
    const updates = await collect(session, 8);
    expect(updates.map((update) => update.type)).toEqual([
      'message_new',
      'message_new',
      'message_typing_state',
      'message_reaction_event',
      'message_deny',
      'message_allow',
      'group_join',
      'group_leave',
    ]);
    expect(updates[1]?.object.message).toMatchObject({
      text: 'two',
      payload: '{"command":"start"}',
      reply_message: { conversation_message_id: 1, text: 'one' },
      fwd_messages: [{ conversation_message_id: 1 }],
      attachments: [{ type: 'doc', doc: { title: 'bill.pdf' } }],
    });
    expect(updates[3]?.object).toMatchObject({ reacted_id: 7, cmid: 1, reaction_id: 3 });
    expect(updates[5]?.object).toEqual({ user_id: 7, key: 'promo' });
  });

  test('button presses: a text button sends its label with the payload, a callback button a message_event', async () => {
    vk.user(8).send('menu');
    const cmid = (await ok<number>(vk, 'messages.send', {
      peer_id: 8,
      message: 'pick',
      keyboard: KEYBOARD,
      random_id: 1,
    })) as number;
    expect(cmid).toBeGreaterThan(0);
    const botCmid = vk.sent({ peer: 8 })[0]?.cmid;
    const session = await longPollServer(vk);
    const text = await post('/_sandbox/users/8/press', { cmid: botCmid, row: 0, column: 0 });
    expect(text.body).toMatchObject({ kind: 'text', text: 'Yes', peerId: 8 });
    const callback = await post('/_sandbox/users/8/press', { cmid: botCmid, row: 0, column: 1 });
    expect(callback.body).toEqual({ kind: 'callback', eventId: expect.any(String) });
    expect(await post('/_sandbox/users/8/press', { cmid: botCmid, row: 1 })).toEqual({
      status: 200,
      body: { kind: 'open_link', link: 'https://example.org/docs' },
    });
    const updates = await collect(session, 2);
    expect(updates[0]?.object.message).toMatchObject({ text: 'Yes', payload: '{"answer":"yes"}' });
    expect(updates[1]).toMatchObject({
      type: 'message_event',
      object: { user_id: 8, peer_id: 8, conversation_message_id: botCmid, payload: { cmd: 'count' } },
    });
    // The bot answers the press; the answer is listed.
    await ok(vk, 'messages.sendMessageEventAnswer', {
      event_id: String(callback.body.eventId),
      user_id: 8,
      peer_id: 8,
      event_data: JSON.stringify({ type: 'show_snackbar', text: 'Counted' }),
    });
    expect(await get<unknown[]>('/_sandbox/answers?peer=8')).toMatchObject([{ snackbar: 'Counted' }]);
    // A button the sandbox does not simulate, a place with no button: 400 naming the field.
    expect(await post('/_sandbox/users/8/press', { cmid: botCmid, row: 2 })).toMatchObject({
      status: 400,
      body: { field: 'column', error: expect.stringMatching(/location button is not simulated/) },
    });
    expect(await post('/_sandbox/users/8/press', { cmid: botCmid, row: 9 })).toMatchObject({
      status: 400,
      body: { field: 'row' },
    });
    expect(await post('/_sandbox/users/8/press', { cmid: 999 })).toMatchObject({
      status: 400,
      body: { field: 'cmid' },
    });
  });

  test('a callback press without a keyboard lookup, and a carousel button', async () => {
    vk.user(9).send('hi');
    const template = JSON.stringify({
      type: 'carousel',
      elements: [
        {
          title: 'Tea',
          description: 'Green',
          buttons: [{ action: { type: 'callback', label: 'Buy', payload: '{"buy":"tea"}' } }],
        },
      ],
    });
    await ok(vk, 'messages.send', { peer_id: 9, message: 'shop', template, random_id: 2 });
    const cmid = vk.sent({ peer: 9 })[0]?.cmid;
    const session = await longPollServer(vk);
    expect((await post('/_sandbox/users/9/press', { cmid, element: 0 })).body.kind).toBe('callback');
    expect((await post('/_sandbox/users/9/callback', { cmid, payload: { raw: 1 } })).body).toEqual({
      eventId: expect.any(String),
    });
    const updates = await collect(session, 2);
    expect(updates.map((update) => update.object.payload)).toEqual([{ buy: 'tea' }, { raw: 1 }]);
  });

  test('a user uploads a photo: its bytes are served and it can be sent', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const form = new FormData();
    form.set('photo', new Blob([png], { type: 'image/png' }), 'cat.png');
    const response = await fetch(`${vk.url}/_sandbox/users/10/photos`, { method: 'POST', body: form });
    const uploaded = (await response.json()) as {
      attachment: { type: string; photo: { owner_id: number } };
      url: string;
    };
    expect(uploaded.attachment).toMatchObject({ type: 'photo', photo: { owner_id: 10 } });
    const file = await fetch(uploaded.url);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(png);
    const session = await longPollServer(vk);
    await post('/_sandbox/users/10/send', { text: '', attachments: [uploaded.attachment] });
    const [update] = await collect(session, 1);
    expect(update?.object.message).toMatchObject({ attachments: [uploaded.attachment] });
    const empty = await fetch(`${vk.url}/_sandbox/users/10/photos`, { method: 'POST', body: new FormData() });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ field: 'photo' });
  });

  test('a photo the bot uploads is served from the upload storage', async () => {
    vk.user(11).send('photo please');
    const server = await ok<{ upload_url: string }>(vk, 'photos.getMessagesUploadServer', { peer_id: 11 });
    const form = new FormData();
    form.set('photo', new Blob([new Uint8Array([1, 2, 3, 4])], { type: 'image/jpeg' }), 'a.jpg');
    const upload = (await (await fetch(server.upload_url, { method: 'POST', body: form })).json()) as Record<
      string,
      string | number
    >;
    const [photo] = await ok<Array<{ owner_id: number; id: number }>>(vk, 'photos.saveMessagesPhoto', {
      photo: String(upload.photo),
      server: String(upload.server),
      hash: String(upload.hash),
    });
    const media = await fetch(`${vk.url}/_sandbox/media/photo${photo?.owner_id}_${photo?.id}`);
    expect(media.status).toBe(200);
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect((await fetch(`${vk.url}/_sandbox/media/photo1_1`)).status).toBe(404);
  });

  test('history and dialogs: a private dialog per community and the chats a user is in', async () => {
    vk.user(12).send('hello');
    await ok(vk, 'messages.send', { peer_id: 12, message: 'hi!', random_id: 3 });
    await ok(vk, 'messages.delete', { peer_id: 12, cmids: 2, delete_for_all: 1 });
    const chat = vk.createChat({ title: 'Team', members: [12, 13] });
    const history = await get<{ items: Array<Record<string, unknown>> }>('/_sandbox/messages?peer=12');
    expect(history.items.map(({ text, deleted, from_id }) => ({ text, deleted, from_id }))).toEqual([
      { text: 'hello', deleted: false, from_id: 12 },
      { text: 'hi!', deleted: true, from_id: -vk.group.id },
    ]);
    const dialogs = await get<Array<Record<string, unknown>>>('/_sandbox/users/12/dialogs');
    expect(dialogs).toMatchObject([
      { kind: 'group', peerId: 12, groupId: vk.group.id, last: { text: 'hello' } },
      { kind: 'chat', peerId: chat.peerId, title: 'Team', members: [12, 13, -vk.group.id] },
    ]);
    expect(await get<unknown[]>('/_sandbox/chats')).toMatchObject([{ peerId: chat.peerId, title: 'Team' }]);
  });

  test("bad bodies are 400 naming the field; a user's chat send outside the chat names peerId", async () => {
    expect(await post('/_sandbox/users/7/send', { text: 5 })).toMatchObject({
      status: 400,
      body: { field: 'text', error: expect.stringMatching(/^text: /) },
    });
    expect(await post('/_sandbox/users/7/send', { text: 'x', forward: ['a'] })).toMatchObject({
      status: 400,
      body: { field: 'forward.0' },
    });
    expect(await post('/_sandbox/users/7/react', { cmid: 1, reactionId: 99 })).toMatchObject({
      status: 400,
      body: { field: 'reactionId' },
    });
    expect(await post('/_sandbox/users/7/send', { text: 'x', peerId: 2000000099 })).toMatchObject({
      status: 400,
      body: { field: 'peerId' },
    });
    expect(await post('/_sandbox/users/0/send', { text: 'x' })).toMatchObject({
      status: 400,
      body: { field: 'id' },
    });
    const notJson = await fetch(`${vk.url}/_sandbox/users/7/send`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: 'the body must be JSON', field: 'body' });
    expect((await fetch(`${vk.url}/_sandbox/messages`)).status).toBe(400);
    expect((await call(vk, 'groups.getById')).error).toBeUndefined();
  });
});
