import { MemoryKeyValueStore } from '@vkwire/core';
import { describe, expect, test } from 'vitest';
import { createExampleBot } from '../src/bot.js';
import { ask, cleanup, startBot } from './helpers.js';

const USER = 193847562;

describe('the registration scene', () => {
  test('three steps with a wrong answer, /back, and the summary at the end', async () => {
    const { vk } = await startBot();
    expect((await ask(vk, USER, '/register')).text).toBe("Let's register you. Your name? (/cancel to stop)");
    expect((await ask(vk, USER, 'A')).text).toBe('At least two letters, please.');
    expect((await ask(vk, USER, 'Al')).text).toBe(
      'Nice to meet you, Al. How old are you? (/back to change the name)',
    );
    expect((await ask(vk, USER, '/back')).text).toBe("Let's register you. Your name? (/cancel to stop)");
    expect((await ask(vk, USER, 'Alice')).text).toBe(
      'Nice to meet you, Alice. How old are you? (/back to change the name)',
    );
    expect((await ask(vk, USER, 'thirty')).text).toBe('A whole number, please.');
    expect((await ask(vk, USER, '30')).text).toBe('Which city are you from?');
    expect((await ask(vk, USER, 'Paris')).text).toBe('Registered: Alice, 30, Paris.');
    // Out of the scene, commands are commands again.
    expect((await ask(vk, USER, '/sum 1 1')).text).toBe('1 + 1 = 2');
  });

  test('/cancel leaves the scene from any step', async () => {
    const { vk } = await startBot();
    await ask(vk, USER, '/register');
    await ask(vk, USER, 'Bob');
    expect((await ask(vk, USER, '/cancel')).text).toBe('Registration cancelled.');
    // Left: a command is a command again, not the answer to "How old are you?".
    expect((await ask(vk, USER, '/sum 2 3')).text).toBe('2 + 3 = 5');
  });

  test('users are in their own scenes: another user is not interrupted', async () => {
    const { vk } = await startBot();
    await ask(vk, USER, '/register');
    expect((await ask(vk, USER + 1, '/sum 5 5')).text).toBe('5 + 5 = 10');
    expect((await ask(vk, USER, 'Carol')).text).toContain('Nice to meet you, Carol');
  });

  test('the scene is kept in the storage: a new bot on it continues at the same step', async () => {
    const storage = new MemoryKeyValueStore();
    const { vk, bot } = await startBot({ storage });
    await ask(vk, USER, '/register');
    await ask(vk, USER, 'Dave');
    await bot.stop();

    const next = createExampleBot({ token: vk.group.token, apiUrl: vk.apiUrl, storage });
    cleanup(() => next.stop());
    await next.start();
    expect((await ask(vk, USER, '25')).text).toBe('Which city are you from?');
  });
});
