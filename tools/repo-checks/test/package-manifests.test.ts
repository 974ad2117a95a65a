// Every public package is ready to publish: its manifest, its license, and what `pnpm pack` puts in it.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  files?: string[];
  repository?: { type: string; url: string; directory: string };
  exports: Record<string, string | Record<string, string>>;
  publishConfig?: {
    access?: string;
    provenance?: boolean;
    exports?: Record<string, string | Record<string, string>>;
  };
}

const folders = (await readdir(join(ROOT, 'packages'))).map((name) => `packages/${name}`);
const manifests = await Promise.all(
  folders.map(async (folder) => ({
    folder,
    manifest: JSON.parse(await readFile(join(ROOT, folder, 'package.json'), 'utf8')) as Manifest,
  })),
);
const published = manifests.filter(({ manifest }) => !manifest.private);
const apps = await Promise.all(
  (await readdir(join(ROOT, 'apps'))).map(async (name) => ({
    folder: `apps/${name}`,
    manifest: JSON.parse(await readFile(join(ROOT, 'apps', name, 'package.json'), 'utf8')) as Manifest,
  })),
);

test.each([...manifests, ...apps])(
  '$folder: every export names a source file that exists',
  async ({ folder, manifest }) => {
    for (const [path, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'string' ? target : target['@vkwire/source'];
      if (source === undefined) continue;
      await expect(
        readFile(join(ROOT, folder, source)),
        `${folder} exports ${path}: ${source}`,
      ).resolves.toBeDefined();
    }
  },
);
const license = await readFile(join(ROOT, 'LICENSE'), 'utf8');

describe.each(published)('$folder', ({ folder, manifest }) => {
  test('names its repository folder, MIT license, files, public provenance-ready publishing', async () => {
    expect(manifest.name).toMatch(/^@vkwire\/[a-z-]+$/);
    expect(manifest.license).toBe('MIT');
    expect(await readFile(join(ROOT, folder, 'LICENSE'), 'utf8')).toBe(license);
    expect(manifest.files).toContain('dist');
    expect(manifest.repository).toMatchObject({ type: 'git', directory: folder });
    expect(manifest.publishConfig).toMatchObject({ access: 'public', provenance: true });
  });

  test('published exports are the development exports without the source condition', () => {
    const expected = Object.fromEntries(
      Object.entries(manifest.exports).map(([path, target]) => [
        path,
        typeof target === 'string'
          ? target
          : Object.fromEntries(
              Object.entries(target).filter(([condition]) => condition !== '@vkwire/source'),
            ),
      ]),
    );
    expect(manifest.publishConfig?.exports).toEqual(expected);
  });
});

let packs: string | undefined;
afterAll(async () => {
  if (packs) await rm(packs, { recursive: true, force: true });
});

test('a packed package ships every file its exports name, and no source map points at a file it does not ship', async () => {
  const folder = join(ROOT, 'packages/longpoll');
  await run(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], { cwd: folder });
  packs = await mkdtemp(join(tmpdir(), 'vkwire-pack-'));
  await run('pnpm', ['pack', '--pack-destination', packs], { cwd: folder });
  const [tarball] = await readdir(packs);
  await run('tar', ['xzf', join(packs, tarball!), '-C', packs]);
  const root = join(packs, 'package');
  const shipped = new Set(
    (
      (await readdir(root, { recursive: true, withFileTypes: true })) as {
        isFile(): boolean;
        parentPath: string;
        name: string;
      }[]
    )
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1)),
  );
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;
  for (const target of Object.values(manifest.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values(target)) {
      expect(shipped).toContain(file.replace(/^\.\//, ''));
    }
  }
  const maps = [...shipped].filter((file) => file.endsWith('.map'));
  expect(maps.length).toBeGreaterThan(0);
  for (const file of maps) {
    const map = JSON.parse(await readFile(join(root, file), 'utf8')) as {
      sources: string[];
      sourcesContent?: string[];
    };
    // A map either carries its sources or names files that are in the package.
    const carried =
      map.sourcesContent?.length === map.sources.length && map.sourcesContent.every((text) => text !== null);
    if (!carried) for (const source of map.sources) expect(shipped).toContain(join(file, '..', source));
  }
});
