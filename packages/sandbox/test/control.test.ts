import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

const post = async (url: string, body: unknown): Promise<Record<string, unknown>> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
};

describe('the control API drives a sandbox from another process', () => {
  test('info names the API base and the community token', async () => {
    const info = (await (await fetch(`${vk.url}/_sandbox`)).json()) as Record<string, unknown>;
    expect(info).toEqual({
      url: vk.url,
      apiUrl: vk.apiUrl,
      groups: [
        { id: vk.group.id, name: vk.group.name, screenName: vk.group.screenName, token: vk.group.token },
      ],
    });
  });

  test('a simulated user message and a bulk of events arrive over Long Poll', async () => {
    const session = await longPollServer(vk);
    expect(await post(`${vk.url}/_sandbox/users/77/send`, { text: 'ping' })).toMatchObject({
      peerId: 77,
      cmid: 1,
    });
    expect(await post(`${vk.url}/_sandbox/bulk`, { count: 5 })).toEqual({ fromTs: 1, toTs: 6 });
    const updates = await collect(session, 6);
    expect((updates[0]?.object.message as { text: string } | undefined)?.text).toBe('ping');
    expect(await post(`${vk.url}/_sandbox/bulk`, { count: -1 })).toEqual({
      error: 'count must be a positive integer',
    });
  });

  test('faults can be switched on and off', async () => {
    expect(
      await post(`${vk.url}/_sandbox/faults`, {
        target: 'api',
        action: { kind: 'error', code: 10 },
        options: { times: 1 },
      }),
    ).toEqual({ active: 1 });
    expect((await call(vk, 'groups.getById')).error?.error_code).toBe(10);
    await post(`${vk.url}/_sandbox/faults`, {
      target: 'api',
      action: { kind: 'error', code: 10 },
      options: { times: 5 },
    });
    await fetch(`${vk.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await call(vk, 'groups.getById')).error).toBeUndefined();
  });

  test('sent messages can be read back', async () => {
    vk.user(77).send('hi');
    await call(vk, 'messages.send', { peer_id: 77, message: 'pong', random_id: 1 });
    const sent = (await (await fetch(`${vk.url}/_sandbox/sent?peer=77`)).json()) as Array<{ text: string }>;
    expect(sent.map((message) => message.text)).toEqual(['pong']);
  });

  test('chats: create one, then drive it with actions whose service messages arrive over Long Poll', async () => {
    const session = await longPollServer(vk);
    const created = await post(`${vk.url}/_sandbox/chats`, {
      title: 'Team',
      members: [1, 2],
      groupIds: [],
    });
    expect(created).toEqual({
      chatId: expect.any(Number),
      peerId: expect.any(Number),
      title: 'Team',
      ownerId: 1,
      members: [1, 2],
      admins: [1],
    });
    const chat = `${vk.url}/_sandbox/chats/${String(created.peerId)}`;
    expect(await post(`${chat}/inviteBot`, { by: 2 })).toEqual({ cmid: 2 });
    expect(await post(`${chat}/setAdmin`, { memberId: -vk.group.id })).toEqual({
      admins: [1, -vk.group.id],
    });
    await post(`${chat}/joinByLink`, { userId: 3 });
    await post(`${chat}/leave`, { memberId: 2 });
    await post(`${chat}/rename`, { title: 'Team 2' });
    const sent = await post(`${vk.url}/_sandbox/users/1/send`, { text: 'rules', peerId: created.peerId });
    await post(`${chat}/pin`, { by: 1, cmid: sent.cmid });
    const updates = await collect(session, 6);
    expect(updates.map((update) => (update.object.message as { action?: unknown }).action)).toEqual([
      { type: 'chat_invite_user', member_id: -vk.group.id },
      { type: 'chat_invite_user_by_link', member_id: 3 },
      { type: 'chat_kick_user', member_id: 2 },
      { type: 'chat_title_update', text: 'Team 2' },
      undefined,
      { type: 'chat_pin_message', member_id: 1, conversation_message_id: sent.cmid, message: 'rules' },
    ]);
    expect(await (await fetch(chat)).json()).toMatchObject({
      title: 'Team 2',
      members: [1, -vk.group.id, 3],
    });
  });

  test('chats: a bad body or an unknown member is 400 naming what is wrong, an unknown action 404', async () => {
    const created = await post(`${vk.url}/_sandbox/chats`, { title: 'Team', members: [1] });
    const chat = `${vk.url}/_sandbox/chats/${String(created.chatId)}`;
    expect(await post(`${chat}/kick`, { memberId: 'two' })).toEqual({ error: 'memberId must be an integer' });
    expect((await post(`${chat}/kick`, { memberId: 2 })).error).toMatch(/memberId.*member of chat/);
    expect((await post(`${vk.url}/_sandbox/chats`, { members: [1] })).error).toBe('title must be a string');
    const unknown = await fetch(`${chat}/explode`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/one of invite, inviteBot/);
    expect((await fetch(`${vk.url}/_sandbox/chats/999`)).status).toBe(404);
  });
});
