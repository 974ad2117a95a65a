import { describe, expect, test } from 'vitest';
import { Reminders } from '../src/reminders.js';
import { ask, reply, startBot } from './helpers.js';

const USER = 193847562;

describe('what runs in the background', () => {
  test('the digest (bot.every) reaches the subscribed conversations', async () => {
    const { vk } = await startBot({ digestEvery: 50 });
    expect((await ask(vk, USER, '/subscribe')).text).toBe('Subscribed: a digest every 50 ms.');
    await reply(vk, USER, /^📰 Digest: \d+ messages since the last one\.$/);
    vk.user(USER).send('/subscribe'); // digests may still come in between
    await reply(vk, USER, 'Unsubscribed from the digest.');
  });

  test('a pending reminder belongs to the bot: bot.stop() cancels it', async () => {
    const reminders = new Reminders();
    const { vk, bot } = await startBot({ reminders });
    await ask(vk, USER, '/remind 1h stretch');
    expect(reminders.pending).toBe(1);
    await bot.stop();
    expect(reminders.pending).toBe(0);
    expect(() => reminders.add(1, async () => {})).toThrow(/stopped/);
  });
});
