// Every TypeScript and JavaScript example in the READMEs and docs compiles against the packages as
// they are. Each block is a module of its own; names an example uses without defining them (`bot`,
// `vk`, `api`, `app`, ...) are declared once in `doc-globals.d.ts`, with the types they have in
// the docs' prose. A block that is deliberately a fragment says so on the line above it:
// `<!-- example: fragment -->`.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(HERE, '.doc-examples');

async function markdownFiles(): Promise<string[]> {
  const files = ['README.md'];
  for (const folder of ['packages', 'apps']) {
    for (const name of await readdir(join(ROOT, folder))) files.push(`${folder}/${name}/README.md`);
  }
  for (const folder of ['docs', 'docs/guides']) {
    for (const name of await readdir(join(ROOT, folder)))
      if (name.endsWith('.md')) files.push(`${folder}/${name}`);
  }
  return files;
}

interface Example {
  file: string;
  line: number;
  module: string;
}

async function examples(): Promise<Example[]> {
  const found: Example[] = [];
  for (const file of await markdownFiles()) {
    const text = await readFile(join(ROOT, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    for (const match of text.matchAll(/(<!-- example: fragment -->\n)?```(ts|js|mjs|typescript)\n([\s\S]*?)```/g)) {
      if (match[1]) continue;
      const line = text.slice(0, match.index).split('\n').length + 1;
      found.push({ file, line, module: match[3] as string });
    }
  }
  return found;
}

afterAll(async () => {
  await rm(OUT, { recursive: true, force: true });
});

test('every example in the READMEs and docs compiles', async () => {
  const all = await examples();
  expect(all.length).toBeGreaterThan(50);
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const byPath = new Map<string, Example>();
  for (const [index, example] of all.entries()) {
    const name = `${example.file.replace(/[/.]/g, '_')}_${example.line}_${index}.ts`;
    const path = join(OUT, name);
    // `export {}` makes every block a module: its own names shadow the shared globals.
    await writeFile(path, `${example.module}\nexport {};\n`);
    byPath.set(path, example);
  }
  const program = ts.createProgram({
    rootNames: [...byPath.keys(), join(HERE, 'doc-globals.d.ts')],
    options: {
      target: ts.ScriptTarget.ES2023,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['@vkwire/source'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowJs: true,
      types: ['node'],
      noUnusedLocals: false,
      allowImportingTsExtensions: true,
    },
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && byPath.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const example = byPath.get(diagnostic.file?.fileName as string) as Example;
      const { line } = (diagnostic.file as ts.SourceFile).getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0];
      return `${example.file}:${example.line + line} ${message}`;
    });
  expect(problems, `examples that do not compile (${relative(ROOT, OUT)})`).toEqual([]);
});
