import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  exports: Record<string, Record<string, string>>;
  publishConfig: { exports: Record<string, Record<string, string>> };
};

/** A consumer project whose node_modules holds a copy of this package, as an install would. */
function consumerProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'vkwire-decl-'));
  const installed = join(root, 'node_modules', '@vkwire', 'api-client');
  mkdirSync(installed, { recursive: true });
  cpSync(join(packageDir, 'src'), join(installed, 'src'), { recursive: true });
  cpSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
  for (const dependency of ['undici', '@vkwire/core']) {
    const target = join(root, 'node_modules', dependency);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(packageDir, 'node_modules', dependency), target, 'dir');
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
  return root;
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('declaration emit of code that uses the client', () => {
  test('a module exporting inferred API results emits declarations (no TS2742)', () => {
    const root = consumerProject();
    roots.push(root);
    const file = join(root, 'bot.ts');
    writeFileSync(
      file,
      [
        "import { VkApi } from '@vkwire/api-client';",
        "const api = new VkApi({ token: 'x' });",
        'export const users = await api.users.get({ user_ids: [1] });',
        'export const loadGroups = () => api.groups.getById({});',
        "export const sent = await api.messages.send({ peer_ids: [1], message: 'hi' });",
        '',
      ].join('\n'),
    );
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2023,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      customConditions: ['@vkwire/source'],
      allowImportingTsExtensions: true,
      strict: true,
      skipLibCheck: true,
      declaration: true,
      emitDeclarationOnly: true,
      types: ['node'],
      typeRoots: [join(packageDir, '..', '..', 'node_modules', '@types')],
      outDir: join(root, 'out'),
    };
    const program = ts.createProgram([file], options);
    const source = program.getSourceFile(file);
    const emitted: Record<string, string> = {};
    const result = program.emit(source, (name, text) => {
      emitted[name] = text;
    });
    const messages = [...ts.getPreEmitDiagnostics(program, source), ...result.diagnostics].map(
      (diagnostic) =>
        `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    );
    expect(messages).toEqual([]);
    const declaration = Object.values(emitted).join('\n');
    expect(declaration).toContain('@vkwire/api-client/schema');
    expect(declaration).not.toContain('node_modules');
  }, 60_000);

  test('the schema subpath is published too, pointing at the built file of the same source', () => {
    const local = packageJson.exports['./schema'];
    const published = packageJson.publishConfig.exports['./schema'];
    expect(local?.['@vkwire/source']).toBe('./src/generated/vk-schema.ts');
    expect(local?.types).toBe('./dist/generated/vk-schema.d.ts');
    expect(published).toEqual({ types: local?.types, default: local?.default });
  });
});
