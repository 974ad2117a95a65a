import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import { cleanup, eventually } from './helpers.js';
import { spawnMain, spawnRootScript } from './process.js';

describe('the entry point (pnpm start)', () => {
  test('offline: starts a sandbox and the bot on it, prints the URL, stops on SIGINT with exit 0', async () => {
    const main = spawnMain({ PORT: '0' });
    const [, url] = (await main.printed(/Open (http:\/\/127\.0\.0\.1:\d+)/)) as [string, string];

    // The sandbox answers at the printed URL, and the bot answers there over its control API.
    const info = (await (await fetch(`${url}/_sandbox`)).json()) as { groups: unknown[] };
    expect(info.groups).toHaveLength(1);
    const sent = await fetch(`${url}/_sandbox/users/1/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: '/sum 2 2' }),
    });
    expect(sent.ok).toBe(true);
    let answers: Array<{ text: string }> = [];
    await eventually(
      () => answers.find((message) => message.text === '2 + 2 = 4'),
      () => `the answer to /sum; sent: ${JSON.stringify(answers)}`,
      async () => {
        answers = (await (await fetch(`${url}/_sandbox/sent?peer=1`)).json()) as Array<{ text: string }>;
      },
    );

    main.child.kill('SIGINT');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.stderr()).toBe('');
    expect(main.lines.slice(-2)).toEqual([
      'example-bot: stopping (the handlers in flight finish first)',
      'example-bot: stopped',
    ]);
    await expect(fetch(`${url}/_sandbox`)).rejects.toThrow(); // the sandbox is closed too
  });

  test('`pnpm start` at the root prints the URL, serves the chat page, and Ctrl+C stops it', async () => {
    const start = spawnRootScript('start', { PORT: '0' });
    const [, url] = (await start.printed(/Open (http:\/\/127\.0\.0\.1:\d+)/)) as [string, string];
    expect((await fetch(url)).headers.get('content-type')).toMatch(/^text\/html/); // the chat page

    // Ctrl+C in a terminal: SIGINT to the whole foreground process group (pnpm and node).
    process.kill(-(start.child.pid as number), 'SIGINT');
    await start.exited;
    await expect.poll(() => start.lines.at(-1)).toBe('example-bot: stopped');
    await expect(fetch(url)).rejects.toThrow();
  });

  test('a busy PORT is one clear line on stderr and exit code 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup(() => new Promise((resolve) => blocker.close(resolve)));
    const { port } = blocker.address() as { port: number };

    const main = spawnMain({ PORT: String(port) });
    expect(await main.exited).toEqual({ code: 1, signal: null });
    expect(main.stderr()).toBe(
      `example-bot: port ${port} is already in use; set PORT to another one (PORT=0: any free port)\n`,
    );
    expect(main.lines).toEqual([]);
  });

  test('a bad setting is one line naming it, exit code 2', async () => {
    const main = spawnMain({ PORT: 'eighty', REDIS_URL: 'localhost:6379' });
    expect(await main.exited).toEqual({ code: 2, signal: null });
    const lines = main.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^example-bot: bad settings: PORT: .*; REDIS_URL: a redis:\/\/ or rediss:\/\/ URL$/,
    );
  });
});
