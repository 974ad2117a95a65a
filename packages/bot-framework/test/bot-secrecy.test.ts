import { inspect } from 'node:util';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { UserBot } from '../src/user-bot.js';
import { memoryLogger } from './helpers.js';

const TOKEN = 'vk1.a.bot-secrecy-token-0123456789';
const SECRET = 'bot-secrecy-callback-secret';
const CONFIRMATION = 'bot-secrecy-confirm';
const VIEW_SECRET = 'bot-secrecy-view-secret';

/** Every way a user (or a logger) commonly prints an object. */
function printed(value: object): string[] {
  return [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    JSON.stringify(value),
    String(value),
  ];
}

test('printing a Bot shows no token, secret, confirmation code or view secret', () => {
  const bot = new Bot({
    communities: [{ token: TOKEN, groupId: 218734561, secret: SECRET, confirmation: CONFIRMATION }],
    viewSecret: VIEW_SECRET,
    baseUrl: 'http://127.0.0.1:9',
    logger: memoryLogger().logger,
  });
  for (const text of printed(bot)) {
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(CONFIRMATION);
    expect(text).not.toContain(VIEW_SECRET);
  }
  // What it does show says which bot it is.
  expect(inspect(bot)).toContain('Bot');
  expect(inspect(bot)).toContain('218734561');
});

test('printing a UserBot shows no token', () => {
  const bot = new UserBot({ token: TOKEN, baseUrl: 'http://127.0.0.1:9', logger: memoryLogger().logger });
  for (const text of printed(bot)) expect(text).not.toContain(TOKEN);
  expect(inspect(bot)).toContain('UserBot');
});
