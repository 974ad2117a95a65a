import * as z from 'zod';
import { vkBoolean } from './vk-values.js';

// The hot path of parseUpdate, generated from the zod schemas (never written by hand): for a schema,
// a pure checker that answers what `schema.safeParse(value).success` answers, and a normalizer that
// applies what parsing would change (flags to booleans, defaulted arrays) to the value itself instead
// of building a copy, so unknown fields are kept for free. It is emitted as plain JS with named
// property reads: zod's own compiled parser, or closures walking the schema, cost more than JSON.parse
// itself on a message_new. Tests check it against `schema.safeParse` on every fixture and thousands
// of mutations. Anything the generator does not support falls back to `schema.safeParse`.

type Schema = z.core.$ZodType;
type Def = z.core.$ZodTypes['_zod']['def'];

/**
 * Checks `value` against the schema; when valid, normalizes it and returns the normalized value (the
 * same object for objects) — otherwise returns {@link INVALID} and leaves the value untouched.
 */
export type FastParser = (value: unknown) => unknown;

/** What a {@link FastParser} returns for an invalid value. */
export const INVALID: unique symbol = Symbol('events-schema.invalid');

class Unsupported extends Error {}

// Normalizers assume a checked value, but in trusted mode they also meet unchecked ones: never throw.
const OBJECT_GUARD = 'if (typeof v !== "object" || v === null) return v;';

/** Options of {@link fastParser}. */
export interface FastParserOptions {
  /**
   * Skip the check and only normalize: for input a transport already trusts. Malformed input then
   * passes through (normalized where it can be) instead of being rejected, and never throws.
   * @default false
   */
  trusted?: boolean;
}

/**
 * Builds the fast parser of a schema. Schemas using a construct the generator does not know, or a
 * runtime without `new Function` (a strict CSP, zod's `jitless` mode), get `schema.safeParse`, whose
 * result is the same (as a copy).
 */
export function fastParser(schema: Schema, options: FastParserOptions = {}): FastParser {
  const trusted = options.trusted ?? false;
  if (!z.config().jitless) {
    try {
      return generateParser(schema, { trusted });
    } catch (error) {
      if (!(error instanceof Unsupported) && !(error instanceof EvalError)) throw error;
    }
  }
  return (value) => {
    const result = z.safeParse(schema, value);
    return result.success ? result.data : trusted ? value : INVALID;
  };
}

function defOf(schema: Schema): Def {
  return (schema as z.core.$ZodTypes)._zod.def;
}

class Generator {
  readonly constants: unknown[] = [];
  readonly body: string[] = [];
  private readonly checks = new Map<Schema, string>();
  private readonly fixes = new Map<Schema, string | null>();
  private count = 0;

  constant(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }

  /** Name of a function `(v) => boolean`. */
  check(schema: Schema): string {
    const known = this.checks.get(schema);
    if (known) return known;
    const name = `c${this.count++}`;
    this.checks.set(schema, name);
    this.body.push(`function ${name}(v) {\n${this.checkBody(schema)}\n}`);
    return name;
  }

  /** Name of a function `(v) => normalized v` for a valid value, or `null` when nothing changes. */
  fix(schema: Schema): string | null {
    if (this.fixes.has(schema)) return this.fixes.get(schema) ?? null;
    const name = `f${this.count++}`;
    // Set before the body is built: a recursive schema (nested forwards) refers to itself by name.
    this.fixes.set(schema, name);
    const body = this.fixBody(schema);
    if (body === null && !this.isReferenced(name)) {
      this.fixes.set(schema, null);
      return null;
    }
    this.body.push(`function ${name}(v) {\n${body ?? 'return v;'}\n}`);
    return name;
  }

  /** A JS expression checking the identifier `x`: leaf schemas inline, others as a call. */
  checkExpression(schema: Schema, x: string): string {
    if (schema === vkBoolean) return `(${x} === true || ${x} === false || ${x} === 1 || ${x} === 0)`;
    const def = defOf(schema);
    const plain = !def.checks || def.checks.length === 0;
    switch (def.type) {
      case 'string':
        if (plain) return `typeof ${x} === "string"`;
        break;
      case 'number':
        if (plain) return `(typeof ${x} === "number" && Number.isFinite(${x}))`;
        break;
      case 'boolean':
        return `typeof ${x} === "boolean"`;
      case 'unknown':
      case 'any':
        return 'true';
      case 'optional':
      case 'default':
        return `(${x} === undefined || ${this.checkExpression(def.innerType, x)})`;
    }
    return `${this.check(schema)}(${x})`;
  }

  private isReferenced(name: string): boolean {
    const pattern = new RegExp(`\\b${name}\\(`);
    return this.body.some((line) => pattern.test(line));
  }

  private checkBody(schema: Schema): string {
    if (schema === vkBoolean) return 'return v === true || v === false || v === 1 || v === 0;';
    const def = defOf(schema);
    switch (def.type) {
      case 'string':
        return `if (typeof v !== "string") return false;\n${this.customChecks(def.checks)}return true;`;
      case 'number':
        this.noChecks(def.checks);
        return 'return typeof v === "number" && Number.isFinite(v);';
      case 'boolean':
        return 'return typeof v === "boolean";';
      case 'literal':
        return `return ${def.values.map((value) => `v === ${this.constant(value)}`).join(' || ')};`;
      case 'enum':
        return `return ${this.constant(new Set(Object.values(def.entries)))}.has(v);`;
      case 'unknown':
      case 'any':
        return 'return true;';
      case 'null':
        return 'return v === null;';
      case 'custom':
        return `return ${this.constant((def as { fn?: (value: unknown) => unknown }).fn ?? (() => true))}(v) === true;`;
      case 'optional':
      case 'default':
        return `return v === undefined || ${this.check(def.innerType)}(v);`;
      case 'nullable':
        return `return v === null || ${this.check(def.innerType)}(v);`;
      case 'lazy':
        return `return ${this.check(def.getter())}(v);`;
      case 'array': {
        this.noChecks(def.checks);
        const item = this.checkExpression(def.element, 'x');
        return `if (!Array.isArray(v)) return false;\nfor (let i = 0; i < v.length; i++) { const x = v[i]; if (!(${item})) return false; }\nreturn true;`;
      }
      case 'record': {
        this.noChecks(def.checks);
        if (defOf(def.keyType).type !== 'string' || def.keyType._zod.def.checks?.length) {
          throw new Unsupported('record keys other than plain strings');
        }
        const item = this.check(def.valueType);
        return `if (typeof v !== "object" || v === null || Array.isArray(v)) return false;\nfor (const key of Object.keys(v)) if (!${item}(v[key])) return false;\nreturn true;`;
      }
      case 'object': {
        this.looseOnly(def.catchall);
        const lines = ['if (typeof v !== "object" || v === null || Array.isArray(v)) return false;'];
        const shape = def.shape as Record<string, Schema>;
        for (const key of Object.keys(shape)) {
          const test = this.checkExpression(shape[key] as Schema, 'x');
          lines.push(`{ const x = v[${JSON.stringify(key)}]; if (!(${test})) return false; }`);
        }
        // Refinements (a wall post needs owner_id or to_id) run once the fields passed, as in zod. They
        // see the input rather than zod's output copy: fine for refinements on fields parsing keeps as is.
        lines.push(`${this.customChecks(def.checks)}return true;`);
        return lines.join('\n');
      }
      case 'union': {
        this.noChecks(def.checks);
        const discriminator = (def as { discriminator?: string }).discriminator;
        if (discriminator === undefined) {
          return `return ${def.options.map((option) => `${this.check(option)}(v)`).join(' || ')};`;
        }
        const lines = [
          'if (typeof v !== "object" || v === null) return false;',
          `switch (v[${JSON.stringify(discriminator)}]) {`,
        ];
        for (const option of def.options) {
          for (const value of discriminatorValues(option, discriminator)) {
            lines.push(`case ${this.constant(value)}: return ${this.check(option)}(v);`);
          }
        }
        lines.push('default: return false;', '}');
        return lines.join('\n');
      }
      default:
        throw new Unsupported(`a zod "${def.type}" schema`);
    }
  }

  private fixBody(schema: Schema): string | null {
    if (schema === vkBoolean) return 'return v === true || v === 1;';
    const def = defOf(schema);
    switch (def.type) {
      case 'optional': {
        const inner = this.fix(def.innerType);
        return inner && `return v === undefined ? v : ${inner}(v);`;
      }
      case 'nullable': {
        const inner = this.fix(def.innerType);
        return inner && `return v === null ? v : ${inner}(v);`;
      }
      case 'default': {
        // zod returns the default as is when the input is undefined; `defaultValue` yields a fresh copy.
        const fresh = this.constant(() => def.defaultValue);
        const inner = this.fix(def.innerType);
        return `return v === undefined ? ${fresh}() : ${inner ? `${inner}(v)` : 'v'};`;
      }
      case 'lazy': {
        const inner = this.fix(def.getter());
        return inner && `return ${inner}(v);`;
      }
      case 'array': {
        const item = this.fix(def.element);
        return (
          item &&
          `if (!Array.isArray(v)) return v;\nfor (let i = 0; i < v.length; i++) { const x = v[i]; const y = ${item}(x); if (y !== x) v[i] = y; }\nreturn v;`
        );
      }
      case 'record': {
        const item = this.fix(def.valueType);
        return (
          item &&
          `${OBJECT_GUARD}\nfor (const key of Object.keys(v)) { const x = v[key]; const y = ${item}(x); if (y !== x) v[key] = y; }\nreturn v;`
        );
      }
      case 'object': {
        const shape = def.shape as Record<string, Schema>;
        const lines: string[] = [];
        for (const key of Object.keys(shape)) {
          const inner = this.fix(shape[key] as Schema);
          if (!inner) continue;
          const property = `v[${JSON.stringify(key)}]`;
          lines.push(`{ const x = ${property}; const y = ${inner}(x); if (y !== x) ${property} = y; }`);
        }
        return lines.length === 0 ? null : `${OBJECT_GUARD}\n${lines.join('\n')}\nreturn v;`;
      }
      case 'union': {
        const discriminator = (def as { discriminator?: string }).discriminator;
        const lines: string[] = [];
        if (discriminator === undefined) {
          // The first branch that accepts the value is the one zod's output comes from.
          for (const option of def.options) {
            const inner = this.fix(option);
            lines.push(`if (${this.check(option)}(v)) return ${inner ? `${inner}(v)` : 'v'};`);
          }
          lines.push('return v;');
          return def.options.some((option) => this.fix(option)) ? lines.join('\n') : null;
        }
        lines.push(OBJECT_GUARD, `switch (v[${JSON.stringify(discriminator)}]) {`);
        for (const option of def.options) {
          const inner = this.fix(option);
          if (!inner) continue;
          for (const value of discriminatorValues(option, discriminator)) {
            lines.push(`case ${this.constant(value)}: return ${inner}(v);`);
          }
        }
        lines.push('}', 'return v;');
        return lines.length === 4 ? null : lines.join('\n');
      }
      default:
        return null;
    }
  }

  private customChecks(checks: readonly z.core.$ZodCheck[] | undefined): string {
    let out = '';
    for (const check of checks ?? []) {
      const checkDef = check._zod.def as { check: string; fn?: (value: unknown) => unknown };
      if (checkDef.check !== 'custom' || !checkDef.fn) throw new Unsupported(`a "${checkDef.check}" check`);
      out += `if (${this.constant(checkDef.fn)}(v) !== true) return false;\n`;
    }
    return out;
  }

  private noChecks(checks: readonly z.core.$ZodCheck[] | undefined): void {
    if (checks && checks.length > 0) throw new Unsupported('checks on this kind of schema');
  }

  private looseOnly(catchall: Schema | undefined): void {
    // Strip mode would drop unknown keys from zod's output: the in-place result would differ.
    if (!catchall || defOf(catchall).type !== 'unknown') throw new Unsupported('objects that are not loose');
  }
}

function discriminatorValues(option: Schema, discriminator: string): unknown[] {
  const values = option._zod.propValues?.[discriminator];
  if (!values || values.size === 0) throw new Unsupported('a discriminated branch without literal values');
  return [...values];
}

/**
 * The generated parser of a schema, without fallback: throws when the schema uses a construct the
 * generator does not know (tests use it to check every event schema is covered).
 */
export function generateParser(schema: Schema, options: FastParserOptions = {}): FastParser {
  const trusted = options.trusted ?? false;
  const generator = new Generator();
  const check = trusted ? null : generator.check(schema);
  const fix = generator.fix(schema);
  const invalid = generator.constant(INVALID);
  const names = generator.constants.map((_, index) => `k${index}`);
  const guard = check ? `if (!${check}(v)) return ${invalid};\n` : '';
  const source = `${generator.body.join('\n')}\nreturn function parse(v) {\n${guard}return ${fix ? `${fix}(v)` : 'v'};\n};`;
  const factory = new Function(...names, source) as (...constants: unknown[]) => FastParser;
  return factory(...generator.constants);
}
