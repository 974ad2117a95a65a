import { VkwireConfigError } from '@vkwire/core';
import { type ArgDefinition, type ArgsSpec, Argument } from './argument.js';

/** One argument of a spec with what the parser and usage need. */
export interface CompiledArg {
  readonly key: string;
  readonly definition: ArgDefinition;
  /** `<count>` for a positional argument, `--limit` for a named one. */
  readonly label: string;
  /** The option name without dashes, for named arguments. */
  readonly option?: string;
}

/** A checked spec. */
export interface CompiledSpec {
  readonly entries: readonly CompiledArg[];
  /** Arguments taken from positions, in key order. */
  readonly positional: readonly CompiledArg[];
  /** Option name → argument. */
  readonly named: ReadonlyMap<string, CompiledArg>;
  readonly attachments: readonly CompiledArg[];
}

const OPTION_NAME = /^[a-z][a-z\d]*(?:-[a-z\d]+)*$/;
const compiled = new WeakMap<ArgsSpec, CompiledSpec>();

/** `dryRun` → `dry-run`, `max_count` → `max-count`. */
export function optionNameOf(key: string): string {
  return key
    .replace(/([a-z\d])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

function fail(option: string, expected: string, got?: unknown): never {
  throw new VkwireConfigError('args', option, expected, got === undefined ? undefined : { got });
}

function compile(spec: ArgsSpec): CompiledSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    fail('args', 'an object of arguments built with arg', spec);
  }
  const entries: CompiledArg[] = [];
  const positional: CompiledArg[] = [];
  const named = new Map<string, CompiledArg>();
  const attachments: CompiledArg[] = [];
  for (const [key, argument] of Object.entries(spec)) {
    if (!(argument instanceof Argument))
      fail(key, 'an argument built with arg (arg.integer(), arg.text(), ...)', argument);
    const { definition } = argument;
    if (definition.named !== undefined) {
      const option = definition.named === true ? optionNameOf(key) : definition.named.toLowerCase();
      if (!OPTION_NAME.test(option))
        fail(key, `a name usable as --option: give one with .named('name')`, key);
      if (named.has(option)) fail(key, `an option name no other argument has (--${option} is taken)`);
      const entry = { key, definition, label: `--${option}`, option };
      named.set(option, entry);
      entries.push(entry);
      continue;
    }
    const entry = { key, definition, label: `<${key}>` };
    entries.push(entry);
    if (definition.source === 'attachment') {
      attachments.push(entry);
      continue;
    }
    const last = positional.at(-1);
    if (last?.definition.source === 'rest') {
      fail(key, `named (.named()) or placed before <${last.key}>, which takes the rest of the text`);
    }
    positional.push(entry);
  }
  return { entries, positional, named, attachments };
}

/**
 * Checks a spec and returns it compiled (cached per spec object). A bad spec is a
 * `VkwireConfigError`: an argument after one that takes the rest of the text, two options with one name.
 */
export function compileSpec(spec: ArgsSpec): CompiledSpec {
  let result = compiled.get(spec);
  if (result === undefined) {
    result = compile(spec);
    compiled.set(spec, result);
  }
  return result;
}

/**
 * Checks a spec without parsing anything: call it where a command is declared so a malformed spec
 * fails at start-up, not at the first message.
 *
 * @throws VkwireConfigError naming the argument: a value not built with `arg`, an argument after
 *   one that takes the rest of the text, two options with one name
 */
export function checkArgsSpec(spec: ArgsSpec): void {
  compileSpec(spec);
}
