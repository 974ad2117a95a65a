import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let folder: string | undefined;

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

test('a fresh clone installs with no warnings (pnpm install, nothing built yet)', async () => {
  folder = await mkdtemp(join(tmpdir(), 'vkwire-fresh-'));
  const clone = join(folder, 'vkwire');
  await run('git', ['clone', '--quiet', '--depth', '1', `file://${ROOT}`, clone]);
  // --offline: the packages come from the store the repository's own install filled.
  const { stdout, stderr } = await run('pnpm', ['install', '--frozen-lockfile', '--offline'], {
    cwd: clone,
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const output = `${stdout}\n${stderr}`;
  const warnings = output.split('\n').filter((line) => /\bWARN\b|Failed to create bin/.test(line));
  expect(warnings).toEqual([]);
  expect(output).toMatch(/Done in/);
});
