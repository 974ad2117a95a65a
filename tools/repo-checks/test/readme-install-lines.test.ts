// A README's install lines name every vkwire package its examples import: pnpm exposes only the
// packages a project depends on, so an import the install lines leave out fails for the reader.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const readmes = [
  'README.md',
  ...(await readdir(join(ROOT, 'packages'))).map((name) => `packages/${name}/README.md`),
  ...(await readdir(join(ROOT, 'apps'))).map((name) => `apps/${name}/README.md`),
];

test.each(readmes)('%s', async (file) => {
  const text = await readFile(join(ROOT, file), 'utf8');
  const imported = new Set<string>();
  const installed = new Set<string>();
  for (const [, lang, body] of text.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    if (/^(ts|js|tsx|mjs)$/.test(lang!)) {
      for (const [, name] of body!.matchAll(/from '(@vkwire\/[\w-]+)/g)) imported.add(name!);
    } else if (/^(sh|bash|json)$/.test(lang!)) {
      for (const line of body!.split('\n')) {
        const command = line.split('#')[0]!;
        if (/pnpm add|npm i(nstall)?\b|workspace:/.test(command))
          for (const [, name] of command.matchAll(/(@vkwire\/[\w-]+|vkwire-[\w{},-]+)/g))
            installed.add(name!);
      }
    }
  }
  // `npm install .../vkwire-{core,longpoll}-0.0.0.tgz` names packages through brace expansion.
  for (const name of [...installed]) {
    const braces = /^vkwire-\{([\w,-]+)\}/.exec(name);
    for (const part of braces?.[1]?.split(',') ?? []) installed.add(`@vkwire/${part}`);
  }
  const missing = [...imported].filter((name) => !installed.has(name));
  expect(missing, `${file}: examples import packages its install lines leave out`).toEqual([]);
});
