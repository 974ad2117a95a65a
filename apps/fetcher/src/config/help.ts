import { CONFIG_VARIABLES, type ConfigVariableEntry } from './variables.js';

function names(variable: ConfigVariableEntry, code: (name: string) => string): string {
  return variable.alias ? `${code(variable.name)} (or ${code(variable.alias)})` : code(variable.name);
}

function defaultText(variable: ConfigVariableEntry, code: (text: string) => string): string {
  if (variable.required) return 'required';
  return variable.default === undefined ? 'unset' : code(variable.default);
}

/** `--help`: what the fetcher is and every environment variable with its default, from `FETCHER_VARIABLES`. */
export function helpText(): string {
  const plain = (text: string) => text;
  const rows = CONFIG_VARIABLES.map((variable) => ({
    head: names(variable, plain),
    value: defaultText(variable, (text) => `default ${text}`),
    description: variable.description,
  }));
  const width = Math.max(...rows.map((row) => row.head.length)) + 2;
  return [
    'vkwire fetcher: reads VK communities over Bots Long Poll and publishes each event, normalized,',
    'on a Redis bus. Serves /healthz, /readyz and /metrics over HTTP.',
    '',
    'Usage: node dist/main.js [--help]',
    '',
    'Configured by environment variables (an empty value counts as unset, unless said otherwise):',
    '',
    ...rows.flatMap((row) => [`  ${row.head.padEnd(width)}${row.value}`, `      ${row.description}`]),
    '',
    'Bad or missing variables are listed on stderr and the fetcher exits with code 2.',
  ].join('\n');
}

/** The variables as a Markdown table (variable, default, description), for the README. */
export function configMarkdownTable(): string {
  const code = (text: string) => `\`${text}\``;
  const cell = (text: string) => text.replaceAll('|', '\\|');
  return [
    '| Variable | Default | Description |',
    '| --- | --- | --- |',
    ...CONFIG_VARIABLES.map(
      (variable) =>
        `| ${names(variable, code)} | ${cell(defaultText(variable, code))} | ${cell(variable.description)} |`,
    ),
  ].join('\n');
}
