import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VK_API_VERSION } from '@vkwire/events-schema';
import { expect, test, vi } from 'vitest';

// node itself with tsx as a loader: no tsx wrapper between the test and the CLI, whose signal relay
// turned a handled SIGTERM into exit 143 on a loaded machine.
const LOADER = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const TSX = process.execPath;
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

// Each test starts node, which compiles the sandbox's sources on the way in: a few seconds on a quiet
// machine, more than the default 20 s on a loaded CI machine (seen at load 26).
vi.setConfig({ testTimeout: 90_000 });

test('the standalone sandbox prints its API base and token, serves the API, and stops on SIGTERM', async () => {
  const child = spawn(
    TSX,
    ['--import', LOADER, '--conditions=@vkwire/source', CLI, '--port', '0', '--json', '--group-id', '5001'],
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

/** Runs the CLI to its end and returns what it printed and its exit code. */
async function runToEnd(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, ['--import', LOADER, '--conditions=@vkwire/source', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

test('--help lists every option with its default and exits 0', async () => {
  const { code, stdout, stderr } = await runToEnd(['--help']);
  expect(code).toBe(0);
  expect(stderr).toBe('');
  for (const option of [
    '--port',
    '--host',
    '--group-id',
    '--token',
    '--no-rate-limit',
    '--history-size',
    '--vk-like',
    '--json',
  ]) {
    expect(stdout).toContain(option);
  }
  expect(stdout).toContain('default: 127.0.0.1');
});

test('an unknown option or a bad number is one line on stderr and exit 2, no stack trace', async () => {
  const unknown = await runToEnd(['--prot', '9000']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/^vkwire-sandbox: .*--prot.*\(see --help\)\n$/);
  const bad = await runToEnd(['--port', 'eighty']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe('vkwire-sandbox: --port must be an integer from 0 to 65535, got "eighty"\n');
});

test('a busy port is one clear line and exit 1', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const { code, stdout, stderr } = await runToEnd(['--port', String(port)]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `vkwire-sandbox: port ${port} on 127.0.0.1 is already in use; pick another with --port\n`,
    );
  } finally {
    blocker.close();
  }
});

test('a leading `--` (pnpm start -- --port N) is accepted', async () => {
  const child = spawn(
    TSX,
    ['--import', LOADER, '--conditions=@vkwire/source', CLI, '--', '--port', '0', '--json'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    expect(JSON.parse(line)).toMatchObject({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/method$/),
    });
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
});
