import type { ArgKind, ArgsSpec } from './argument.js';
import { formatDuration } from './duration.js';
import { type CompiledArg, compileSpec } from './spec.js';

/** One argument as data for help pages and `bot.describe()` (JSON-able when defaults are). */
export interface ArgDescription {
  /** The key in the spec (`ctx.args.<name>`). */
  name: string;
  type: ArgKind;
  /** What it takes, in words: `'an integer'`. */
  expected: string;
  /** How usage shows it: `<count>`, `[tags...]`, `[--limit <integer>]`. */
  usage: string;
  /** May be left out (optional, with a default, or a flag). */
  optional: boolean;
  /** The value when left out, for arguments with a default. */
  default?: unknown;
  /** Takes one or more words (`.greedy()`); a named one may be repeated. */
  greedy: boolean;
  /** The separator of a `.list()` argument. */
  separator?: string;
  /** The option name (`limit` for `--limit`) of a named argument or flag. */
  named?: string;
  min?: number;
  max?: number;
  /** The words an enum, literal or boolean takes. */
  choices?: string[];
  description?: string;
}

function shownDefault(entry: CompiledArg): string | undefined {
  const { defaultValue, kind, presence } = entry.definition;
  if (presence !== 'default' || kind === 'flag') return undefined;
  const shown = (value: unknown): string | undefined => {
    if (kind === 'duration' && typeof value === 'number') return formatDuration(value);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return String(value);
    return undefined;
  };
  if (!Array.isArray(defaultValue)) return shown(defaultValue);
  const items = defaultValue.map(shown);
  return items.every((item) => item !== undefined)
    ? items.join(entry.definition.separator ?? ' ')
    : undefined;
}

function fragment(entry: CompiledArg): string {
  const { definition } = entry;
  const required = definition.presence === 'required';
  // A list is one word of items (`<ids,...>`); a greedy argument takes several words (`<ids...>`).
  const many =
    definition.multi === 'one' ? '' : definition.multi === 'list' ? `${definition.separator}...` : '...';
  if (entry.option !== undefined) {
    const text =
      definition.source === 'flag' ? entry.label : `${entry.label} <${definition.typeName}>${many}`;
    return required ? text : `[${text}]`;
  }
  if (definition.kind === 'literal') return required ? definition.typeName : `[${definition.typeName}]`;
  const name =
    definition.source === 'attachment' ? `${entry.key}: attached ${definition.typeName}` : entry.key;
  if (required) return `<${name}${many}>`;
  const fallback = shownDefault(entry);
  return `[${name}${many}${fallback === undefined ? '' : `=${fallback}`}]`;
}

/**
 * A command's usage line: positional arguments in order, then attachments, then options.
 * `<required>`, `[optional]`, `[with=default]`, `<greedy...>`, `[--option <type>]`, `[--flag]`;
 * a literal shows as its word.
 *
 * @example
 * usage({ numbers: arg.number().greedy(), limit: arg.integer().named().optional(), reverse: arg.flag() }, '/sum');
 * // '/sum <numbers...> [--limit <integer>] [--reverse]'
 */
export function usage(spec: ArgsSpec, commandPath: string): string {
  const { positional, attachments, named } = compileSpec(spec);
  return [commandPath, ...[...positional, ...attachments, ...named.values()].map(fragment)].join(' ');
}

/**
 * The arguments of a spec as data, in key order: for help pages and `bot.describe()`.
 *
 * @example
 * describeArgs({ count: arg.integer().min(1).default(5).describe('how many') });
 * // [{ name: 'count', type: 'integer', expected: 'an integer', usage: '[count=5]', optional: true,
 * //    default: 5, greedy: false, min: 1, description: 'how many' }]
 */
export function describeArgs(spec: ArgsSpec): ArgDescription[] {
  return compileSpec(spec).entries.map((entry) => {
    const { definition } = entry;
    const description: ArgDescription = {
      name: entry.key,
      type: definition.kind,
      expected: definition.expected,
      usage: fragment(entry),
      optional: definition.presence !== 'required',
      greedy: definition.multi === 'greedy',
    };
    if (definition.presence === 'default') description.default = definition.defaultValue;
    if (definition.multi === 'list') description.separator = definition.separator as string;
    if (entry.option !== undefined) description.named = entry.option;
    if (definition.min !== undefined) description.min = definition.min;
    if (definition.max !== undefined) description.max = definition.max;
    if (definition.choices !== undefined) description.choices = [...definition.choices];
    if (definition.description !== undefined) description.description = definition.description;
    return description;
  });
}
