import { afterEach, describe, expect, test } from 'vitest';
import { VkMessagePermissionError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const outerCalls = (current: Rig) =>
  current.vk.calls().filter((call) => !call.inExecute && call.method !== 'groups.getById');

describe('automatic execute batching', () => {
  test('calls issued together go as executes of up to 25, each caller getting its own result', async () => {
    current = await rig();
    const { vk, api } = current;
    for (let id = 1; id <= 60; id += 1) vk.user(id).send('hi');
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        api.messages.send({ peer_id: index + 1, message: `to ${index + 1}` }),
      ),
    );
    const requests = outerCalls(current);
    expect(requests.map((call) => call.method)).toEqual(['execute', 'execute', 'execute']);
    const sent = vk.sent();
    expect(sent).toHaveLength(60);
    // The n-th caller's message id is the message that went to its own peer.
    for (const [index, id] of results.entries())
      expect(sent.find((message) => message.id === id)?.peerId).toBe(index + 1);
  });

  test('mixed successes and failures in one execute reach the right callers', async () => {
    current = await rig();
    const { vk, api } = current;
    const allowed = [1, 3, 5];
    for (const id of [1, 2, 3, 4, 5]) {
      vk.user(id);
      if (allowed.includes(id)) vk.user(id).allowMessages();
    }
    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((peer) => api.messages.send({ peer_id: peer, message: 'x' })),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(VkMessagePermissionError);
    }
    expect(outerCalls(current).map((call) => call.method)).toEqual(['execute']);
  });

  test('a lone call goes without execute; batch: false and upload saves always go alone', async () => {
    current = await rig();
    const { vk, api } = current;
    vk.user(1).send('hi');
    await api.messages.send({ peer_id: 1, message: 'alone' });
    await Promise.all([
      api.users.get({ user_ids: [1] }, { batch: false }),
      api.users.get({ user_ids: [1] }, { batch: false }),
    ]);
    expect(outerCalls(current).map((call) => call.method)).toEqual([
      'messages.send',
      'users.get',
      'users.get',
    ]);
  });

  test('batching can be switched off', async () => {
    current = await rig({ batching: false });
    const { vk, api } = current;
    vk.user(1).send('hi');
    await Promise.all([api.users.get({ user_ids: [1] }), api.users.get({ user_ids: [1] })]);
    expect(outerCalls(current).map((call) => call.method)).toEqual(['users.get', 'users.get']);
  });
});

describe('random_id', () => {
  test('1000 concurrent sends to one user arrive as 1000 distinct messages', async () => {
    current = await rig();
    const { vk, api } = current;
    vk.user(7).send('hi');
    const ids = await Promise.all(
      Array.from({ length: 1000 }, (_, index) => api.messages.send({ peer_id: 7, message: `#${index}` })),
    );
    expect(new Set(ids).size).toBe(1000);
    const texts = new Set(vk.sent({ peer: 7 }).map((message) => message.text));
    expect(texts.size).toBe(1000);
    expect(new Set(vk.sent({ peer: 7 }).map((message) => message.randomId)).size).toBe(1000);
  }, 30_000);

  test('an explicit random_id is kept', async () => {
    current = await rig();
    current.vk.user(1).send('hi');
    await current.api.messages.send({ peer_id: 1, message: 'x', random_id: 777 });
    expect(current.vk.sent({ peer: 1 })[0]?.randomId).toBe(777);
  });
});
