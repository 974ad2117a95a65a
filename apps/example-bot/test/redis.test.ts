import { RedisStorage } from '@vkwire/redis-bridge';
import { redisUrl, sendRedisCommand } from '@vkwire/testing';
import { describe, expect, test } from 'vitest';
import { createExampleBot } from '../src/bot.js';
import { ask, cleanup, eventually, startBot } from './helpers.js';
import { spawnMain } from './process.js';

const USER = 193847562;

describe('REDIS_URL: state in Redis', () => {
  test('a registration started on one bot continues on another bot sharing the RedisStorage', async () => {
    const prefix = `example-bot-test:${Date.now()}:`;
    const first = new RedisStorage({ redis: redisUrl(), prefix });
    cleanup(() => first.close());
    const { vk, bot } = await startBot({ storage: first });
    await ask(vk, USER, '/register');
    await ask(vk, USER, 'Erin');
    await bot.stop();

    const second = new RedisStorage({ redis: redisUrl(), prefix });
    cleanup(() => second.close());
    const next = createExampleBot({ token: vk.group.token, apiUrl: vk.apiUrl, storage: second });
    cleanup(() => next.stop());
    await next.start();
    expect((await ask(vk, USER, '41')).text).toBe('Which city are you from?');
    expect((await ask(vk, USER, 'Oslo')).text).toBe('Registered: Erin, 41, Oslo.');
  });

  test('the entry point with REDIS_URL starts, prints the URL, and stops with exit 0', async () => {
    const main = spawnMain({ PORT: '0', REDIS_URL: redisUrl() });
    let keys: string[] = [];
    const [, url] = (await main.printed(/Open (http:\/\/127\.0\.0\.1:\d+)/)) as [string, string];
    const { groups } = (await (await fetch(`${url}/_sandbox`)).json()) as { groups: Array<{ id: number }> };
    await fetch(`${url}/_sandbox/users/5/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '/register' }),
    });
    // The scene the user entered is kept in Redis.
    await eventually(
      () => (keys.length > 0 ? keys : undefined),
      () => 'a scene key in Redis',
      async () => {
        keys = (await sendRedisCommand(redisUrl(), ['KEYS', `*${groups[0]?.id}:scene:*`])) as string[];
      },
    );
    main.child.kill('SIGINT');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.stderr()).toBe('');
  });
});
