import { describe, expect, test } from 'vitest';
import { gradientPng } from '../src/png.js';
import { ask, reply, startBot } from './helpers.js';

const USER = 193847562;

describe('commands', () => {
  test('/help is generated: every command with its description, and one command in detail', async () => {
    const { vk } = await startBot();
    const help = await ask(vk, USER, '/help');
    for (const command of [
      '/sum',
      '/remind',
      '/roll',
      '/keyboard',
      '/buttons',
      '/shop',
      '/register',
      '/ask',
      '/poll',
      '/photo',
      '/subscribe',
      '/boom',
      '/ban',
    ])
      expect(help.text).toContain(command);
    expect(help.text).toContain('Adds numbers');

    const sum = await ask(vk, USER, '/help sum');
    expect(sum.text).toContain('/sum <numbers...>');
    expect(sum.text).toContain('the numbers to add');
  });

  test('/sum adds typed numbers; a bad argument is answered with what was wrong and the usage', async () => {
    const { vk } = await startBot();
    expect((await ask(vk, USER, '/sum 1 2 3')).text).toBe('1 + 2 + 3 = 6');
    expect((await ask(vk, USER, '/sum 2,5 0.5')).text).toBe('2.5 + 0.5 = 3');
    const bad = await ask(vk, USER, '/sum 1 two');
    expect(bad.text).toContain('"two" is not a number (argument <numbers>)');
    expect(bad.text).toContain('/sum <numbers...>');
  });

  test('/remind answers at once and reminds later, in the same conversation', async () => {
    const { vk } = await startBot();
    expect((await ask(vk, USER, '/remind 100ms water the plants')).text).toBe(
      "OK, I'll remind you in 100ms.",
    );
    await reply(vk, USER, '⏰ water the plants');
    const bad = await ask(vk, USER, '/remind soon water the plants');
    expect(bad.text).toContain('argument <delay>');
    const tooLate = await ask(vk, USER, '/remind 2d water the plants');
    expect(tooLate.text).toContain('out of range');
  });

  test('/roll has a cooldown: the second roll in a row is told to wait', async () => {
    const { vk } = await startBot();
    expect((await ask(vk, USER, '/roll')).text).toMatch(/^🎲 [1-6]$/);
    expect((await ask(vk, USER, '/roll')).text).toMatch(/^Not so fast: roll again in \d+ s\.$/);
    // Another user has a cooldown of their own.
    expect((await ask(vk, USER + 1, '/roll')).text).toMatch(/^🎲 [1-6]$/);
  });

  test('the error boundary: /boom answers politely, the error is logged, and the bot goes on', async () => {
    const { vk, log } = await startBot();
    expect((await ask(vk, USER, '/boom')).text).toBe(
      'Something went wrong on my side, sorry. It has been logged.',
    );
    expect(log.errors).toHaveLength(1);
    const logged = log.errors[0]?.fields as { err?: Error } | undefined;
    expect(logged?.err?.message).toContain('this command always fails');
    expect((await ask(vk, USER, '/sum 1 1')).text).toBe('1 + 1 = 2');
  });

  test('/photo uploads a PNG drawn in code and sends it', async () => {
    const { vk } = await startBot();
    const sent = await ask(vk, USER, '/photo');
    expect(sent.text).toBe('A gradient, drawn in code.');
    expect(sent.attachments).toHaveLength(1);
    expect(sent.attachments[0]).toMatch(/^photo-?\d+_\d+/);
    expect(vk.calls({ method: 'photos.saveMessagesPhoto' })).toHaveLength(1);
    const png = gradientPng();
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  test("/ask waits for the same user's answer; other users are handled meanwhile", async () => {
    const { vk } = await startBot();
    expect((await ask(vk, USER, '/ask')).text).toBe('What is your favourite colour?');
    expect((await ask(vk, USER + 1, '/sum 2 2')).text).toBe('2 + 2 = 4');
    expect((await ask(vk, USER, 'blue')).text).toBe('blue? Good choice.');
  });

  test('/ask without an answer in time says so', async () => {
    const { vk } = await startBot({ askTimeoutMs: 50 });
    expect((await ask(vk, USER, '/ask')).text).toBe('What is your favourite colour?');
    await reply(vk, USER, 'No answer. Ask me again with /ask.');
  });

  test("/start and VK's Start button greet", async () => {
    const { vk } = await startBot();
    expect((await ask(vk, USER, '/start')).text).toContain('/help');
    expect((await ask(vk, USER, 'Start', { payload: { command: 'start' } })).text).toContain('/help');
  });
});
