import { z } from 'zod';
import {
  CONFIG_VARIABLES,
  type ConfigKey,
  type ConfigVariableEntry,
  type FetcherConfig,
} from './variables.js';

/** What `parseConfig` returns: the configuration, or every problem found, one line each. */
export type ParseConfigResult = { ok: true; config: FetcherConfig } | { ok: false; problems: string[] };

/** The variables' texts after aliases are resolved, keyed like `FetcherConfig`. */
export type ConfigInput = Partial<Record<ConfigKey, string>>;

function valueSchema(variable: ConfigVariableEntry): z.ZodType<unknown, string | undefined> {
  // prefault, not default: the default text goes through the same parsing as a value that is set
  if (variable.default !== undefined) return variable.schema.prefault(variable.default);
  if (variable.required) return z.string({ error: 'is not set' }).pipe(variable.schema);
  return variable.schema.optional();
}

/**
 * The zod schema of the fetcher's environment, made from `FETCHER_VARIABLES`: variable texts
 * (keyed like `FetcherConfig`, aliases already resolved) in, `FetcherConfig` out, defaults applied.
 */
export const fetcherEnvSchema = z.object(
  Object.fromEntries(CONFIG_VARIABLES.map((variable) => [variable.key, valueSchema(variable)])),
) as unknown as z.ZodType<FetcherConfig, ConfigInput>;

/** The variable's text and the name it came from, or a problem when its two names disagree. */
function read(
  env: NodeJS.ProcessEnv,
  variable: ConfigVariableEntry,
): { text: string; from: string } | { problem: string } | undefined {
  const take = (name: string | undefined) => {
    if (name === undefined) return undefined;
    const text = env[name]?.trim();
    return text === undefined || (text === '' && !variable.emptyIsValue) ? undefined : text;
  };
  const text = take(variable.name);
  const aliasText = take(variable.alias);
  if (text !== undefined && aliasText !== undefined && text !== aliasText)
    return { problem: `${variable.name} and ${variable.alias} are both set, to different values: keep one` };
  if (text !== undefined) return { text, from: variable.name };
  if (aliasText !== undefined && variable.alias !== undefined)
    return { text: aliasText, from: variable.alias };
  return undefined;
}

const MAX_QUOTED = 80;

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text);
}

/**
 * Reads and checks the fetcher's configuration from environment variables (unknown ones are
 * ignored; an empty value counts as unset, except where a variable says otherwise). Every bad or
 * missing variable gives one problem line naming it, all at once; a secret's value is never quoted.
 *
 * @example
 * const result = parseConfig(process.env);
 * if (!result.ok) {
 *   process.stderr.write(`${formatConfigProblems(result.problems)}\n`);
 *   process.exit(2);
 * }
 * const { tokens, redisUrl } = result.config;
 */
export function parseConfig(env: NodeJS.ProcessEnv): ParseConfigResult {
  const input: ConfigInput = {};
  const found = new Map<ConfigKey, { text: string; from: string }>();
  const problems = new Map<ConfigKey, string[]>();
  const add = (key: ConfigKey, problem: string) => problems.set(key, [...(problems.get(key) ?? []), problem]);

  for (const variable of CONFIG_VARIABLES) {
    const value = read(env, variable);
    if (value === undefined) continue;
    if ('problem' in value) {
      add(variable.key, value.problem);
      continue;
    }
    found.set(variable.key, value);
    input[variable.key] = value.text;
  }

  const parsed = fetcherEnvSchema.safeParse(input);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const variable = CONFIG_VARIABLES.find((entry) => entry.key === issue.path[0]);
      if (variable === undefined)
        throw new Error(`fetcher config: an issue outside the variables: ${issue.message}`);
      // its two names disagreed: that problem is the one to report
      if (problems.has(variable.key)) continue;
      const value = found.get(variable.key);
      if (value === undefined) {
        const alias = variable.alias ? ` (${variable.alias} is accepted too)` : '';
        add(variable.key, `${variable.name} ${issue.message}${alias}: ${variable.description}`);
        continue;
      }
      const label =
        value.from === variable.name ? variable.name : `${value.from} (alias of ${variable.name})`;
      add(variable.key, `${label}: ${issue.message}${variable.secret ? '' : `, got ${quote(value.text)}`}`);
    }

  const group = found.get('groupId');
  const tokenCount = input.tokens?.split(',').length ?? 0;
  if (group !== undefined && tokenCount > 1) {
    const tokens = found.get('tokens')?.from ?? 'VK_TOKEN';
    add(
      'groupId',
      `${group.from}: works with a single token only, and ${tokens} holds ${tokenCount}: unset ${group.from} (each community is detected from its token)`,
    );
  }

  if (problems.size > 0 || !parsed.success)
    return { ok: false, problems: CONFIG_VARIABLES.flatMap((variable) => problems.get(variable.key) ?? []) };
  return { ok: true, config: parsed.data };
}

/**
 * One message for every problem `parseConfig` found, a line each, ending with a pointer to
 * `--help`; what the fetcher prints to stderr before it exits with code 2.
 */
export function formatConfigProblems(problems: readonly string[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return [
    `fetcher: the configuration from the environment is invalid (${count}):`,
    ...problems.map((problem) => `  - ${problem}`),
    'Run with --help to list every variable with its default.',
  ].join('\n');
}
