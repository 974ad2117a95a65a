import { CONFIG_VARIABLES, type ConfigKey, type FetcherConfig } from './variables.js';

/**
 * The configuration as it is safe to log at start: every value, except that secrets are shown
 * through their variable's `summary` (tokens as a count and fingerprints, URLs without a
 * password). Unset values are `null`.
 *
 * @example
 * logger.info({ config: configSummary(config) }, 'fetcher starting');
 */
export function configSummary(config: FetcherConfig): Record<ConfigKey, unknown> {
  return Object.fromEntries(
    CONFIG_VARIABLES.map((variable) => {
      const value: unknown = config[variable.key];
      if (value === undefined) return [variable.key, null];
      if (variable.summary) return [variable.key, variable.summary(value)];
      return [variable.key, variable.secret ? '[redacted]' : value];
    }),
  ) as Record<ConfigKey, unknown>;
}
