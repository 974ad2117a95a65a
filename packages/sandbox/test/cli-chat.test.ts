import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const LOADER = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const TSX = process.execPath;
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

test('vkwire-sandbox --chat serves the chat page and prints its URL', async () => {
  const child = spawn(
    TSX,
    ['--import', LOADER, '--conditions=@vkwire/source', CLI, '--port', '0', '--json', '--chat'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const info = JSON.parse(line) as { url: string; chatUrl?: string };
    expect(info.chatUrl).toBe(`${info.url}/`);
    const page = await fetch(info.chatUrl ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>vkwire sandbox · chat</title>');
    expect(await (await fetch(`${info.url}/_sandbox`)).json()).toMatchObject({ chatUrl: info.chatUrl });
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
});
