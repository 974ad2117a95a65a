import { describe, expect, test } from 'vitest';
import { loadSettings, SettingsError } from '../src/settings.js';

describe('settings from the environment', () => {
  test('defaults: offline on port 8080, memory storage', () => {
    expect(loadSettings({})).toEqual({ PORT: 8080 });
    expect(loadSettings({ PORT: '', VK_TOKEN: '', REDIS_URL: '' })).toEqual({ PORT: 8080 });
  });

  test('every setting is read', () => {
    expect(
      loadSettings({
        PORT: '0',
        VK_TOKEN: 'vk1.a.token',
        VK_API_URL: 'http://127.0.0.1:9000/method',
        PUBLIC_URL: 'https://bot.example.com/callback',
        REDIS_URL: 'redis://127.0.0.1:6379',
      }),
    ).toEqual({
      PORT: 0,
      VK_TOKEN: 'vk1.a.token',
      VK_API_URL: 'http://127.0.0.1:9000/method',
      PUBLIC_URL: 'https://bot.example.com/callback',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
  });

  test('each bad setting is named, and a token never appears in the message', () => {
    const bad = () =>
      loadSettings({
        PORT: '70000',
        VK_TOKEN: 'secret-token',
        VK_API_URL: 'ftp://x',
        REDIS_URL: 'localhost',
      });
    expect(bad).toThrow(SettingsError);
    try {
      bad();
    } catch (error) {
      const problems = (error as SettingsError).problems;
      expect(problems.map((problem) => problem.split(':')[0])).toEqual(['PORT', 'VK_API_URL', 'REDIS_URL']);
      expect((error as Error).message).not.toContain('secret-token');
    }
  });

  test('PUBLIC_URL and VK_API_URL are for real VK: without VK_TOKEN they are refused, not ignored', () => {
    expect(() => loadSettings({ PUBLIC_URL: 'https://bot.example.com/callback' })).toThrow(
      /PUBLIC_URL: PUBLIC_URL is for real VK: set VK_TOKEN too/,
    );
    expect(() => loadSettings({ VK_API_URL: 'https://api.vk.com/method' })).toThrow(
      /VK_API_URL: .*set VK_TOKEN/,
    );
  });
});
