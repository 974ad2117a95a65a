import { describe, expect, test } from 'vitest';
import { ask, chatWithBot, eventually, labels, payloadOf, startBot } from './helpers.js';

const USER = 193847562;

describe('keyboards and buttons', () => {
  test('/keyboard shows text buttons whose payloads the bot routes; "hide" removes the keyboard', async () => {
    const { vk } = await startBot();
    const menu = await ask(vk, USER, '/keyboard');
    expect(menu.text).toBe('Press a button.');
    expect(labels(menu)).toEqual([['🪙 Flip a coin', '🕒 Time'], ['Hide the keyboard']]);
    expect(menu.keyboard?.inline).toBeFalsy();

    const coin = await ask(vk, USER, '🪙 Flip a coin', { payload: payloadOf(menu, '🪙 Flip a coin') });
    expect(coin.text).toMatch(/^(Heads|Tails)$/);
    const time = await ask(vk, USER, '🕒 Time', { payload: payloadOf(menu, '🕒 Time') });
    expect(time.text).toMatch(/^It is \d\d:\d\d UTC\.$/);
    const hidden = await ask(vk, USER, 'Hide the keyboard', {
      payload: payloadOf(menu, 'Hide the keyboard'),
    });
    expect(hidden.text).toBe('Keyboard hidden.');
    expect(hidden.keyboard?.buttons).toEqual([]);
  });

  test('/buttons: a callback button press is answered with a snackbar', async () => {
    const { vk } = await startBot();
    const message = await ask(vk, USER, '/buttons');
    expect(message.keyboard?.inline).toBe(true);
    expect(labels(message)).toEqual([['Show a snackbar'], ['vkwire on GitHub']]);

    const eventId = vk
      .user(USER)
      .pressCallbackButton(USER, message.cmid, payloadOf(message, 'Show a snackbar'));
    const answer = await eventually(
      () => vk.eventAnswers({ eventId })[0],
      () => `an answer to ${eventId}`,
    );
    expect(answer.snackbar).toBe('Hello from a callback button!');
  });

  test('/shop: a typed callback-data menu edits its message and answers purchases with snackbars', async () => {
    const { vk } = await startBot();
    const shop = await ask(vk, USER, '/shop');
    expect(shop.text).toBe('Our shop. Pick a product:');
    expect(labels(shop)).toEqual([['Green tea', 'Black tea', 'Cake']]);
    expect(payloadOf(shop, 'Green tea')).toEqual({ c: ['product', 1] });

    const current = () => vk.sent({ peer: USER }).find((message) => message.cmid === shop.cmid);
    vk.user(USER).pressCallbackButton(USER, shop.cmid, payloadOf(shop, 'Green tea'));
    const product = await eventually(
      () => (current()?.text === 'Green tea: 120 ₽' ? current() : undefined),
      () => `the edited menu; now: ${current()?.text}`,
    );
    expect(labels(product)).toEqual([['Buy 1', 'Buy 2'], ['« Back']]);

    const eventId = vk.user(USER).pressCallbackButton(USER, shop.cmid, payloadOf(product, 'Buy 2'));
    const answer = await eventually(
      () => vk.eventAnswers({ eventId })[0],
      () => `an answer to ${eventId}`,
    );
    expect(answer.snackbar).toBe('Added 2 × Green tea to the cart.');

    vk.user(USER).pressCallbackButton(USER, shop.cmid, payloadOf(product, '« Back'));
    await eventually(
      () => (current()?.text === 'Our shop. Pick a product:' ? current() : undefined),
      () => `the menu again; now: ${current()?.text}`,
    );

    // A payload that is no product (a forged or outdated button) is only answered, never handled.
    const forged = vk.user(USER).pressCallbackButton(USER, shop.cmid, { c: ['product', 'x'] });
    await eventually(
      () => vk.eventAnswers({ eventId: forged })[0],
      () => `an answer to ${forged}`,
    );
    expect(current()?.text).toBe('Our shop. Pick a product:');
  });

  test("/poll in a chat: a view counts everyone's votes in its message and closes", async () => {
    const { vk } = await startBot();
    const chat = await chatWithBot(vk, { title: 'Tea time', members: [USER, USER + 1] });
    const poll = await ask(vk, USER, '/poll', { peerId: chat.peerId });
    expect(poll.text).toBe('Tea or coffee? Tea 0, coffee 0.');
    expect(labels(poll)).toEqual([['🍵 Tea (0)', '☕ Coffee (0)'], ['Close']]);

    const current = () => vk.sent({ peer: chat.peerId }).find((message) => message.cmid === poll.cmid);
    vk.user(USER + 1).pressCallbackButton(chat.peerId, poll.cmid, payloadOf(poll, '🍵 Tea (0)'));
    const voted = await eventually(
      () => (current()?.text === 'Tea or coffee? Tea 1, coffee 0.' ? current() : undefined),
      () => `one tea vote; now: ${current()?.text}`,
    );
    expect(labels(voted)[0]).toEqual(['🍵 Tea (1)', '☕ Coffee (0)']);

    vk.user(USER).pressCallbackButton(chat.peerId, poll.cmid, payloadOf(voted, 'Close'));
    await eventually(
      () => (current()?.text === 'Poll closed: tea 1, coffee 0.' ? current() : undefined),
      () => `the closed poll; now: ${current()?.text}`,
    );
  });
});
