import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VK_API_VERSION } from '@vkwire/events-schema';
import { expect, test } from 'vitest';

const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

test('the standalone sandbox prints its API base and token, serves the API, and stops on SIGTERM', async () => {
  const child = spawn(
    TSX,
    ['--conditions=@vkwire/source', CLI, '--port', '0', '--json', '--group-id', '5001'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const info = JSON.parse(line) as { url: string; apiUrl: string; groupId: number; token: string };
    expect(info.apiUrl).toBe(`${info.url}/method`);
    expect(info.groupId).toBe(5001);
    const response = await fetch(`${info.apiUrl}/groups.getById`, {
      method: 'POST',
      body: new URLSearchParams({ v: VK_API_VERSION, access_token: info.token }),
    });
    expect(await response.json()).toMatchObject({ response: { groups: [{ id: 5001 }] } });
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
});
