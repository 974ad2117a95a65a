// The variable table: the one list every other part is made from

// Showing it: --help, the README table, the summary logged at start
export { configMarkdownTable, helpText } from './help.js';
// Reading the environment
export {
  type ConfigInput,
  fetcherEnvSchema,
  formatConfigProblems,
  type ParseConfigResult,
  parseConfig,
} from './parse.js';
export { configSummary } from './summary.js';
// The value parsers and the log levels
export { LOG_LEVELS, type LogLevel, type ValueSchema } from './values.js';
export {
  CONFIG_VARIABLES,
  type ConfigKey,
  type ConfigVariable,
  type ConfigVariableEntry,
  FETCHER_VARIABLES,
  type FetcherConfig,
  redactUrl,
} from './variables.js';
