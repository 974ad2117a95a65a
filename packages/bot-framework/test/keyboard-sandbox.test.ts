import { VkApi, VkApiError } from '@vkwire/api-client';
import { silentLogger } from '@vkwire/core';
import { GroupLongPoll } from '@vkwire/longpoll';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { afterEach, expect, test } from 'vitest';
import { defineCallbackData, Keyboard, KeyboardError, parsePayload } from '../src/keyboard/index.js';

const USER = 193847562;
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A sandbox and a client of it, closed after the test; the user has written to the community. */
async function start(): Promise<{ vk: Sandbox; api: VkApi }> {
  const vk = await createSandbox({ rateLimit: false });
  stops.push(() => vk.close());
  const api = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl });
  stops.push(() => api.close());
  vk.user(USER).send('menu');
  return { vk, api };
}

test('VK (the sandbox) accepts a built keyboard and shows it as built', async () => {
  const { vk, api } = await start();
  const keyboard = new Keyboard({ oneTime: true })
    .text('Menu', { payload: { cmd: 'menu' }, color: 'primary' })
    .link('Docs', 'https://dev.vk.com')
    .row()
    .location();
  await api.messages.send({ peer_id: USER, random_id: 0, message: 'Pick one', keyboard: keyboard.build() });
  expect(vk.sent({ peer: USER })[0]?.keyboard).toEqual(keyboard.build());

  // The same limit both sides: a sixth button in a row is a 911 from VK, a KeyboardError here.
  const row = Array.from({ length: 6 }, (_, index) => ({
    action: { type: 'text' as const, label: `b${index}` },
  }));
  const refused = api.messages.send({
    peer_id: USER,
    random_id: 0,
    message: 'x',
    keyboard: { buttons: [row] },
  });
  await expect(refused).rejects.toBeInstanceOf(VkApiError);
  await expect(refused).rejects.toMatchObject({ code: 911 });
  expect(() => Keyboard.from([row])).toThrow(KeyboardError);
});

test('a pressed callback button delivers a payload that unpacks to the packed data', async () => {
  const { vk, api } = await start();
  const like = defineCallbackData('like', { id: 'number', note: 'string' });
  const data = { id: 42, note: 'a:b "c" 👍' };
  await api.messages.send({
    peer_id: USER,
    random_id: 0,
    message: 'Like it?',
    keyboard: Keyboard.inline()
      .callback('👍', { payload: like.pack(data), color: 'positive' })
      .build(),
  });
  const sent = vk.sent({ peer: USER })[0]!;
  const shown = sent.keyboard as { buttons: Array<Array<{ action: { payload?: string } }>> };

  const poll = new GroupLongPoll({ api, wait: 5, logger: silentLogger });
  stops.push(() => poll.stop());
  const pressed = new Promise<unknown>((resolve) => {
    poll.on('message_event', ({ object }) => resolve(object.payload));
  });
  await poll.start();
  // VK hands the button's payload to message_event already parsed.
  vk.user(USER).pressCallbackButton(USER, sent.cmid, parsePayload(shown.buttons[0]![0]!.action.payload));

  const payload = await pressed;
  expect(like.unpack(payload)).toEqual(data);
  expect(like.filter({ id: 42 }).match(payload)).toEqual(data);
  expect(like.filter({ id: 41 }).match(payload)).toBeUndefined();
});
