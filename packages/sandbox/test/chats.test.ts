import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer, ok } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

const actionOf = (update: { object: Record<string, unknown> }): unknown =>
  (update.object.message as { action?: unknown }).action;

describe('chats', () => {
  test('creating a chat with the community, inviting and kicking produce service messages', async () => {
    const session = await longPollServer(vk);
    const chat = vk.createChat({ title: 'Team', members: [1, 2] });
    chat.invite(3, { by: 1 });
    chat.kick(2, { by: 1 });
    chat.rename('Team 2', { by: 1 });
    const updates = await collect(session, 4);
    expect(updates.map(actionOf)).toEqual([
      { type: 'chat_invite_user', member_id: -vk.group.id },
      { type: 'chat_invite_user', member_id: 3 },
      { type: 'chat_kick_user', member_id: 2 },
      { type: 'chat_title_update', text: 'Team 2' },
    ]);
    expect(
      updates.every((update) => (update.object.message as { peer_id: number }).peer_id === chat.peerId),
    ).toBe(true);
    expect(() => vk.user(2).send('still here?', { peerId: chat.peerId })).toThrow(
      expect.objectContaining({
        name: 'VkwireConfigError',
        option: 'peerId',
        message: expect.stringMatching(/member/),
      }),
    );
  });

  test('a community kicked from a chat loses access (error 917)', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1] });
    expect(
      (await call(vk, 'messages.send', { peer_id: chat.peerId, message: 'hi', random_id: 1 })).error,
    ).toBeUndefined();
    chat.kick(-vk.group.id, { by: 1 });
    expect(
      (await call(vk, 'messages.send', { peer_id: chat.peerId, message: 'hi', random_id: 2 })).error
        ?.error_code,
    ).toBe(917);
  });

  test('every member community sees a chat message, each from its own Long Poll', async () => {
    const second = vk.addGroup({ name: 'Second' });
    const chat = vk.createChat({ title: 'Shared', members: [1], groupIds: [vk.group.id, second.id] });
    const first = await longPollServer(vk);
    const other = await longPollServer(vk, second.id, second.token);
    first.ts = String(vk.longPollTs());
    other.ts = String(vk.longPollTs(second.id));
    vk.user(1).send('hello both', { peerId: chat.peerId });
    const [seenByFirst] = await collect(first, 1);
    const [seenBySecond] = await collect(other, 1);
    expect(seenByFirst?.group_id).toBe(vk.group.id);
    expect(seenBySecond?.group_id).toBe(second.id);
    expect(seenByFirst?.object.message).toEqual(seenBySecond?.object.message);
  });

  test('a private message can go to a second community', async () => {
    const second = vk.addGroup();
    const session = await longPollServer(vk, second.id, second.token);
    vk.user(1).send('to the second', { groupId: second.id });
    expect((await collect(session, 1))[0]?.group_id).toBe(second.id);
    expect(vk.events(vk.group.id)).toEqual([]);
  });
});

describe('templates and the API drop fault', () => {
  test('a carousel template is stored with the message', async () => {
    vk.user(1).send('hi');
    const template = readFileSync(
      new URL('./fixtures/keyboards/template.carousel.json', import.meta.url),
      'utf8',
    );
    await ok(vk, 'messages.send', { peer_id: 1, message: 'menu', random_id: 1, template });
    expect(vk.sent({ peer: 1 })[0]?.template).toEqual(JSON.parse(template));
    const wrong = await call(vk, 'messages.send', {
      peer_id: 1,
      message: 'x',
      random_id: 2,
      template: '{"type":"grid"}',
    });
    expect(wrong.error?.error_code).toBe(100);
  });

  test('a lost answer: the call runs, the client gets no answer', async () => {
    vk.user(1).send('hi');
    vk.faults.apiLoseAnswer({ method: 'messages.send' });
    await expect(
      call(vk, 'messages.send', { peer_id: 1, message: 'landed', random_id: 5 }),
    ).rejects.toThrow();
    expect(vk.sent({ peer: 1 }).map((message) => message.text)).toEqual(['landed']);
  });

  test('a dropped API connection fails the call without an answer, then calls work again', async () => {
    vk.faults.inject('api', { kind: 'drop' });
    await expect(call(vk, 'groups.getById')).rejects.toThrow();
    expect((await call(vk, 'groups.getById')).response).toBeDefined();
  });
});

describe('raw events', () => {
  test('emitEvent delivers any type and object as given', async () => {
    const session = await longPollServer(vk);
    vk.emitEvent('brand_new_event', { anything: [1, 2] });
    vk.emitEvent('message_new', { message: 'not an object' });
    const updates = await collect(session, 2);
    expect(updates.map((update) => [update.type, update.object])).toEqual([
      ['brand_new_event', { anything: [1, 2] }],
      ['message_new', { message: 'not an object' }],
    ]);
  });
});
