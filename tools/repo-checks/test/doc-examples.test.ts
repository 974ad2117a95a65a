// Every TypeScript and JavaScript example in the READMEs and docs compiles against the packages as
// they are. Each block is a module of its own; names an example uses without defining them (`bot`,
// `vk`, `api`, `app`, ...) are declared once in `doc-globals.d.ts`, with the types they have in
// the docs' prose. A block that is deliberately a fragment says so on the line above it:
// `<!-- example: fragment -->`. The examples compile against the packages' builds (their `.d.ts`), as
// a reader's project does: turbo builds them before this package's tests.
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
    for (const match of text.matchAll(
      /(<!-- example: fragment -->\n)?```(ts|js|mjs|typescript)\n([\s\S]*?)```/g,
    )) {
      if (match[1]) continue;
      const line = text.slice(0, match.index).split('\n').length + 1;
      found.push({ file, line, module: match[3] as string });
    }
  }
  return found;
}

/**
 * The names each vkwire package exports, for the imports a guide's snippet leaves out (guides
 * import once at the top and show snippets after): the first package in this order wins.
 */
const PACKAGES = [
  '@vkwire/bot-framework',
  '@vkwire/redis-bridge',
  '@vkwire/callback',
  '@vkwire/longpoll',
  '@vkwire/api-client',
  '@vkwire/sandbox',
  '@vkwire/events-schema',
  '@vkwire/core',
];

function exportedNames(options: ts.CompilerOptions): Map<string, string> {
  const entry = join(OUT, '__exports.ts');
  const host = ts.createCompilerHost(options);
  const source = PACKAGES.map((name, index) => `import * as p${index} from '${name}';`).join('\n');
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === entry ? source : readFile(file));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === entry || fileExists(file);
  const program = ts.createProgram({ rootNames: [entry], options, host });
  const checker = program.getTypeChecker();
  const names = new Map<string, string>();
  const file = program.getSourceFile(entry) as ts.SourceFile;
  for (const [index, statement] of file.statements.entries()) {
    const specifier = (statement as ts.ImportDeclaration).moduleSpecifier;
    const symbol = checker.getSymbolAtLocation(specifier);
    if (symbol === undefined) continue;
    for (const exported of checker.getExportsOfModule(symbol)) {
      if (!names.has(exported.name)) names.set(exported.name, PACKAGES[index] as string);
    }
  }
  return names;
}

/** The block with imports added for vkwire names it uses but neither imports nor defines. */
function withImports(module: string, exported: Map<string, string>): string {
  const defined = new Set<string>();
  for (const [, list] of module.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}/g))
    for (const part of (list as string).split(','))
      defined.add(
        part
          .trim()
          .split(/\s+as\s+/)
          .at(-1)
          ?.replace(/^type\s+/, '') ?? '',
      );
  for (const [, name] of module.matchAll(/import\s+(?:type\s+)?(\w+)\s+from/g)) defined.add(name as string);
  for (const [, name] of module.matchAll(/\b(?:const|let|var|function|class|type|interface|enum)\s+(\w+)/g))
    defined.add(name as string);
  const missing = new Map<string, string[]>();
  for (const [name] of module.matchAll(/(?<![.\w'"`])[A-Za-z_]\w*/g)) {
    const from = exported.get(name);
    if (from === undefined || defined.has(name)) continue;
    defined.add(name);
    missing.set(from, [...(missing.get(from) ?? []), name]);
  }
  const imports = [...missing].map(([from, names]) => `import { ${names.join(', ')} } from '${from}';`);
  return `${imports.join('\n')}\n${module}`;
}

afterAll(async () => {
  await rm(OUT, { recursive: true, force: true });
});

test('every example in the READMEs and docs compiles', async () => {
  const all = await examples();
  expect(all.length).toBeGreaterThan(50);
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowJs: true,
    types: ['node'],
    noUnusedLocals: false,
    allowImportingTsExtensions: true,
  };
  const exported = exportedNames(options);
  const byPath = new Map<string, Example>();
  for (const [index, example] of all.entries()) {
    const name = `${example.file.replace(/[/.]/g, '_')}_${example.line}_${index}.ts`;
    const path = join(OUT, name);
    // `export {}` makes every block a module: its own names shadow the shared globals. The added
    // imports go on the block's first line, so reported lines are the block's own.
    const module = withImports(example.module, exported);
    byPath.set(path, {
      ...example,
      line: example.line - (module.split('\n').length - example.module.split('\n').length),
    });
    await writeFile(path, `${module}\nexport {};\n`);
  }
  const program = ts.createProgram({
    rootNames: [...byPath.keys(), join(HERE, 'doc-globals.d.ts')],
    options,
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && byPath.has(diagnostic.file.fileName))
    .map((diagnostic) => {
      const example = byPath.get(diagnostic.file?.fileName as string) as Example;
      const { line } = (diagnostic.file as ts.SourceFile).getLineAndCharacterOfPosition(
        diagnostic.start ?? 0,
      );
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0];
      return `${example.file}:${example.line + line} ${message}`;
    });
  expect(problems, `examples that do not compile (${relative(ROOT, OUT)})`).toEqual([]);
});
