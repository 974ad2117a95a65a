import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

// The standard: no `any` in exported types. This walks every export of the public entry with the
// TypeScript checker: the export's own type, then (two levels down) the types of its properties
// and methods, their parameters and return types, the members of unions and intersections, and
// the type arguments of generic types (`Promise<any>`, `Array<any>`). A member is followed only
// when it is declared in this repository: lib and third-party types are not ours to judge.

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = join(packageDir, '..', '..');
const entry = join(packageDir, 'src', 'index.ts');

function program(file: string): ts.Program {
  const configPath = join(packageDir, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  return ts.createProgram({ rootNames: [file], options: { ...parsed.options, noEmit: true } });
}

/**
 * Every place an `any` shows in the export surface of `file`, as `export.member(param)` paths.
 * Members are followed when declared under `root`.
 */
function anyPaths(file: string, root: string): { paths: string[]; exports: number; visited: number } {
  const ours = (symbol: ts.Symbol): boolean =>
    (symbol.getDeclarations() ?? []).some((declaration) => {
      const name = declaration.getSourceFile().fileName;
      return name.startsWith(root) && !name.includes('/node_modules/');
    });
  const built = program(file);
  const checker = built.getTypeChecker();
  const source = built.getSourceFile(file);
  if (source === undefined) throw new Error(`no source file ${file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error('the entry is no module');
  const found = new Set<string>();
  const seen = new Set<ts.Type>();
  let visited = 0;

  const checkSignature = (signature: ts.Signature, path: string, depth: number, at: ts.Node): void => {
    for (const parameter of signature.getParameters()) {
      checkType(checker.getTypeOfSymbolAtLocation(parameter, at), `${path}(${parameter.name})`, depth, at);
    }
    checkType(signature.getReturnType(), `${path}()→`, depth, at);
  };

  const checkType = (type: ts.Type, path: string, depth: number, at: ts.Node): void => {
    visited++;
    if (type.flags & ts.TypeFlags.Any) {
      found.add(path);
      return;
    }
    if (depth < 0) return;
    if (type.isUnionOrIntersection()) {
      for (const member of type.types) checkType(member, path, depth, at);
      return;
    }
    if (!(type.flags & ts.TypeFlags.Object)) return;
    // The same object type under another name adds nothing (and recursive types end here).
    if (seen.has(type)) return;
    seen.add(type);
    const object = type as ts.ObjectType;
    if (object.objectFlags & ts.ObjectFlags.Reference) {
      const reference = type as ts.TypeReference;
      const parameters = reference.target.typeParameters ?? [];
      checker.getTypeArguments(reference).forEach((argument, index) => {
        // A lib type's own default (`Iterable<number>` is `Iterable<number, any, any>`) is not ours.
        const parameter = parameters[index];
        const fallback = parameter === undefined ? undefined : checker.getDefaultFromTypeParameter(parameter);
        if (argument.flags & ts.TypeFlags.Any && fallback !== undefined && fallback.flags & ts.TypeFlags.Any)
          return;
        checkType(argument, `${path}<${index}>`, depth, at);
      });
    }
    const symbol = type.getSymbol() ?? type.aliasSymbol;
    // Lib and dependency types (Promise, AbortSignal, zod's) are walked for their arguments only.
    if (symbol !== undefined && !ours(symbol) && !(symbol.flags & ts.SymbolFlags.TypeLiteral)) return;
    for (const property of checker.getPropertiesOfType(type)) {
      if (!ours(property)) continue;
      const declaration = property.valueDeclaration ?? property.declarations?.[0] ?? at;
      checkType(
        checker.getTypeOfSymbolAtLocation(property, declaration),
        `${path}.${property.name}`,
        depth - 1,
        declaration,
      );
    }
    for (const signature of type.getCallSignatures()) checkSignature(signature, path, depth - 1, at);
    for (const signature of type.getConstructSignatures())
      checkSignature(signature, `new ${path}`, depth - 1, at);
    const index = checker.getIndexInfosOfType(type);
    for (const info of index) checkType(info.type, `${path}[key]`, depth - 1, at);
  };

  const exported = checker.getExportsOfModule(moduleSymbol);
  for (const item of exported) {
    const symbol = item.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(item) : item;
    const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (declaration === undefined) continue;
    const name = item.name;
    // The value side: functions, constants, classes (their static side and constructors).
    if (symbol.flags & ts.SymbolFlags.Value) {
      checkType(checker.getTypeOfSymbolAtLocation(symbol, declaration), name, 2, declaration);
    }
    // The type side: interfaces, type aliases, class instances.
    if (symbol.flags & ts.SymbolFlags.Type) {
      checkType(checker.getDeclaredTypeOfSymbol(symbol), name, 2, declaration);
    }
  }
  return { paths: [...found].sort(), exports: exported.length, visited };
}

test('no exported type of the public entry is any, in its members, parameters and return types', () => {
  const { paths, exports, visited } = anyPaths(entry, repoDir);
  // The walk reached the surface (a broken program would find nothing and pass).
  expect(exports).toBeGreaterThan(50);
  expect(visited).toBeGreaterThan(1000);
  expect(paths, `any in the export surface of ${relative(repoDir, entry)}`).toEqual([]);
}, 120_000);

test('the walk finds an any wherever this test looks for one (it can fail)', () => {
  const root = mkdtempSync(join(tmpdir(), 'vkwire-any-'));
  try {
    const file = join(root, 'surface.ts');
    writeFileSync(
      file,
      [
        'export interface Options { clean: string; loose: any; nested: { deep: any } }',
        'export function take(value: any): string { return String(value); }',
        'export function give(): Promise<any> { return Promise.resolve(1); }',
        'export type Either = string | any[];',
        'export class Box { method(input: number): any { return input; } }',
        'export const clean = (list: Iterable<number>): number[] => [...list];',
        '',
      ].join('\n'),
    );
    expect(anyPaths(file, root).paths).toEqual([
      'Either<0>',
      'Options.loose',
      'Options.nested.deep',
      'give()→<0>',
      // The class is reached from its constructor first (a type is reported once).
      'new Box()→.method()→',
      'take(value)',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
