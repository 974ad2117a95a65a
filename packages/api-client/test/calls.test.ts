import { afterEach, describe, expect, test } from 'vitest';
import { VkApiError, VkErrorCode, VkMessagePermissionError, VkParamError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('typed calls', () => {
  test('methods are typed properties; results come back as VK sends them', async () => {
    current = await rig();
    const { vk, api } = current;
    vk.user(193847562, { firstName: 'Анна', screenName: 'anna' }).send('hi');
    const [user] = await api.users.get({ user_ids: [193847562], fields: ['screen_name'] });
    expect(user).toMatchObject({ id: 193847562, first_name: 'Анна', screen_name: 'anna' });
    const id = await api.messages.send({ peer_id: 193847562, message: 'hello' });
    expect(id).toEqual(expect.any(Number));
    const items = await api.messages.send({ peer_ids: [193847562], message: 'many' });
    expect(items[0]).toMatchObject({ peer_id: 193847562, conversation_message_id: expect.any(Number) });
    expect(await api.call('groups.getById')).toMatchObject({ groups: [{ id: vk.group.id }] });
    expect(await api.call('messages.setActivity', { peer_id: 193847562, type: 'typing' })).toBe(1);
  });

  test('parameters are encoded as VK reads them: arrays as lists, objects as JSON, booleans as 1/0', async () => {
    current = await rig({ batching: false });
    const { vk, api } = current;
    vk.user(1).send('hi');
    await api.messages.send({
      peer_id: 1,
      message: 'menu',
      keyboard: {
        inline: true,
        buttons: [[{ action: { type: 'callback', label: 'Go', payload: '{"go":1}' }, color: 'secondary' }]],
      },
      dont_parse_links: true,
      disable_mentions: 0,
    });
    await api.users.get({ user_ids: [1, 2, 3] });
    const [send, get] = vk.calls().filter((call) => call.method !== 'groups.getById');
    expect(send?.params).toMatchObject({
      dont_parse_links: '1',
      disable_mentions: '0',
      random_id: expect.stringMatching(/^\d+$/),
    });
    expect(JSON.parse(send?.params.keyboard ?? '')).toEqual({
      inline: true,
      buttons: [[{ action: { type: 'callback', label: 'Go', payload: '{"go":1}' }, color: 'secondary' }]],
    });
    expect(get?.params.user_ids).toBe('1,2,3');
    expect(vk.sent({ peer: 1 })[0]?.keyboard).toMatchObject({ inline: true });
  });

  test('VK errors become typed errors with the method and params, never the token', async () => {
    current = await rig();
    const { vk, api } = current;
    vk.user(5);
    const error = await api.messages
      .send({ peer_id: 5, message: 'not allowed' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkMessagePermissionError);
    expect(error).toMatchObject({
      code: VkErrorCode.CantSendWithoutPermission,
      method: 'messages.send',
      params: { peer_id: '5' },
    });
    expect(String((error as Error).message)).toContain('messages.send failed: error 901');
    const param = await api
      .call('messages.getByConversationMessageId', { peer_id: 5 })
      .catch((caught: unknown) => caught);
    expect(param).toBeInstanceOf(VkParamError);
    const unknown = await api.call('messages.doesNotExist').catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(VkApiError);
    expect((unknown as VkApiError).code).toBe(3);
    for (const caught of [error, param, unknown]) {
      expect(JSON.stringify(caught)).not.toContain(vk.group.token);
      expect(String((caught as Error).message) + String((caught as Error).stack)).not.toContain(
        vk.group.token,
      );
    }
  });

  test('a bad token fails every call with VkAuthError', async () => {
    current = await rig({ token: 'vk1.a.wrong' });
    const error = await current.api.users.get({ user_ids: [1] }).catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('VkAuthError');
    expect((error as Error).message).not.toContain('vk1.a.wrong');
  });
});

describe('token detection', () => {
  test('a community token is detected with its community; a user token as a user token', async () => {
    current = await rig();
    expect(await current.api.tokenInfo()).toEqual({
      type: 'group',
      groupId: current.vk.group.id,
      name: current.vk.group.name,
      screenName: current.vk.group.screenName,
    });
    const { VkApi, MemoryRateLimiter } = await import('../src/index.js');
    const user = current.vk.user(42);
    const userApi = new VkApi({
      token: user.token,
      baseUrl: current.vk.apiUrl,
      rateLimiter: new MemoryRateLimiter(),
    });
    expect(await userApi.tokenInfo()).toEqual({ type: 'user' });
    // A user token is held to 3 requests per second: 7 calls take more than two seconds and trip nothing.
    const started = performance.now();
    await Promise.all(Array.from({ length: 7 }, () => userApi.users.get()));
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(current.vk.rateLimited(user.token)).toBe(0);
    await userApi.close();
  });
});
