// The root README's "Your first bot, offline" steps, as written there: the sandbox's CLI with the
// README's options, the README's echo bot file, the README's curl requests (as fetch).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
// The bot runs under node itself with tsx as a loader (no tsx wrapper process in between), so
// Ctrl+C reaches the bot's own SIGINT handler as it does for `node echo.mjs`.
const TSX_LOADER = pathToFileURL(join(ROOT, 'packages/sandbox/node_modules/tsx/dist/loader.mjs')).href;
const children: ChildProcess[] = [];
let folder: string | undefined;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** The fenced block whose first line is the comment `// <file>`, without that line. */
function block(readme: string, file: string): string {
  const match = new RegExp(`\`\`\`\\w+\\n// ${file.replaceAll('.', '\\.')}\\n([\\s\\S]*?)\`\`\``).exec(
    readme,
  );
  if (!match?.[1]) throw new Error(`README: no block for ${file}`);
  return match[1];
}

test('the README echo bot answers a simulated user through the sandbox and stops on SIGINT', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('pnpm --filter @vkwire/sandbox start --port 8787 --token sandbox-token');
  const manifest = JSON.parse(block(readme, 'apps/echo-bot/package.json')) as {
    dependencies: Record<string, string>;
  };
  const code = block(readme, 'apps/echo-bot/echo.mjs');
  // Every vkwire package the file imports is in its package.json (pnpm exposes no other).
  for (const [, name] of code.matchAll(/from '(@vkwire\/[\w-]+)'/g))
    expect(manifest.dependencies).toHaveProperty(name!);

  // Step 2, on a free port instead of 8787.
  const sandbox = spawn(
    process.execPath,
    [
      '--import',
      TSX_LOADER,
      '--conditions=@vkwire/source',
      join(ROOT, 'packages/sandbox/src/cli.ts'),
      '--port',
      '0',
      '--token',
      'sandbox-token',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(sandbox);
  const [line] = (await once(createInterface({ input: sandbox.stdout! }), 'line')) as [string];
  const { url, apiUrl } = JSON.parse(line) as { url: string; apiUrl: string };

  // Steps 3 and 4: the file, next to a package that depends on @vkwire/bot-framework.
  folder = await mkdtemp(join(HERE, '.echo-'));
  const file = join(folder, 'echo.mjs');
  await writeFile(file, code);
  const bot = spawn(process.execPath, ['--import', TSX_LOADER, '--conditions=@vkwire/source', file], {
    env: { ...process.env, VK_TOKEN: 'sandbox-token', VK_API_URL: apiUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(bot);
  const [started] = (await once(createInterface({ input: bot.stdout! }), 'line')) as [string];
  expect(started).toMatch(/^echo bot: polling community \d+$/);

  // Step 5.
  const sent = await fetch(`${url}/_sandbox/users/1/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'hello' }),
  });
  expect(sent.status).toBe(200);
  let texts: string[] = [];
  for (let attempt = 0; attempt < 200 && texts.length === 0; attempt++) {
    const answer = (await (await fetch(`${url}/_sandbox/sent?peer=1`)).json()) as { text: string }[];
    texts = answer.map((message) => message.text);
    if (texts.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(texts).toEqual(['You said: hello']);

  bot.kill('SIGINT');
  const [exitCode] = (await once(bot, 'exit')) as [number | null];
  expect(exitCode).toBe(0);
  sandbox.kill('SIGTERM');
  await once(sandbox, 'exit');
});
