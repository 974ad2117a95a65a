import { tokenFingerprint } from '@vkwire/api-client';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  CONFIG_VARIABLES,
  type ConfigKey,
  configMarkdownTable,
  configSummary,
  type FetcherConfig,
  formatConfigProblems,
  helpText,
  parseConfig,
} from '../src/config/index.ts';

const TOKEN = 'vk1.a.community-token-one';
const TOKEN_2 = 'vk1.a.community-token-two';

function ok(env: NodeJS.ProcessEnv): FetcherConfig {
  const result = parseConfig(env);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.join('\n')}`);
  return result.config;
}

function problems(env: NodeJS.ProcessEnv): string[] {
  const result = parseConfig(env);
  if (result.ok) throw new Error(`expected problems, got a config: ${JSON.stringify(result.config)}`);
  return result.problems;
}

describe('parseConfig', () => {
  test('a token alone gives every documented default', () => {
    expect(ok({ VK_TOKEN: TOKEN })).toEqual({
      tokens: [TOKEN],
      groupId: undefined,
      redisUrl: 'redis://127.0.0.1:6379',
      vkApiUrl: 'https://api.vk.com/method',
      busStream: 'vkwire:events',
      busPartitions: 16,
      busMaxLen: 100_000,
      busDedupeTtlMs: 3_600_000,
      commandPrefixes: ['/', '!'],
      logLevel: 'info',
      httpHost: '127.0.0.1',
      httpPort: 9464,
      lpWait: 25,
      leaseMs: 10_000,
      resolveTimeoutMs: 5000,
    });
  });

  test('every variable set to a good value is read, unknown variables are ignored', () => {
    const config = ok({
      VK_TOKEN: ` ${TOKEN} , ${TOKEN_2} `,
      REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
      VK_API_URL: 'http://127.0.0.1:5555/',
      BUS_STREAM: 'bots:events',
      BUS_PARTITIONS: '64',
      BUS_MAXLEN: '5000',
      BUS_DEDUPE_TTL_MS: '600000',
      COMMAND_PREFIXES: '/, !, .',
      LOG_LEVEL: 'DEBUG',
      HTTP_HOST: '[::1]',
      HTTP_PORT: '0',
      LP_WAIT: '90',
      LEASE_MS: '1000',
      RESOLVE_TIMEOUT_MS: '0',
      SOMETHING_ELSE: 'whatever',
      PATH: '/usr/bin',
    });
    expect(config).toEqual({
      tokens: [TOKEN, TOKEN_2],
      groupId: undefined,
      redisUrl: 'rediss://user:pw@redis.internal:6380/2',
      vkApiUrl: 'http://127.0.0.1:5555/method',
      busStream: 'bots:events',
      busPartitions: 64,
      busMaxLen: 5000,
      busDedupeTtlMs: 600_000,
      commandPrefixes: ['/', '!', '.'],
      logLevel: 'debug',
      httpHost: '::1',
      httpPort: 0,
      lpWait: 90,
      leaseMs: 1000,
      resolveTimeoutMs: 0,
    });
  });

  test('FetcherConfig is typed from the table: optional only where there is no default', () => {
    expectTypeOf<FetcherConfig['tokens']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<FetcherConfig['groupId']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<FetcherConfig['lpWait']>().toEqualTypeOf<number>();
    expectTypeOf<FetcherConfig['logLevel']>().toEqualTypeOf<
      'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'
    >();
  });

  test('the spec names TOKEN and GROUPID are accepted', () => {
    const config = ok({ TOKEN, GROUPID: '218375169' });
    expect(config.tokens).toEqual([TOKEN]);
    expect(config.groupId).toBe(218375169);
  });

  test('both names set to one value is fine; to two values is a problem naming both', () => {
    expect(ok({ VK_TOKEN: TOKEN, TOKEN }).tokens).toEqual([TOKEN]);
    const found = problems({ VK_TOKEN: TOKEN, TOKEN: TOKEN_2 });
    expect(found).toEqual(['VK_TOKEN and TOKEN are both set, to different values: keep one']);
    expect(found.join('\n')).not.toContain(TOKEN);
  });

  test('a problem with a value from an alias names the alias', () => {
    expect(problems({ TOKEN, GROUPID: 'club1' })).toEqual([
      'GROUPID (alias of VK_GROUP_ID): must be a positive integer (the community id, without a minus), got "club1"',
    ]);
  });

  test('an empty variable counts as unset, except COMMAND_PREFIXES where it means no commands', () => {
    const config = ok({ VK_TOKEN: TOKEN, LP_WAIT: '', VK_GROUP_ID: '  ', COMMAND_PREFIXES: '' });
    expect(config.lpWait).toBe(25);
    expect(config.groupId).toBeUndefined();
    expect(config.commandPrefixes).toEqual([]);
    expect(problems({ VK_TOKEN: '' })[0]).toMatch(/^VK_TOKEN is not set \(TOKEN is accepted too\): /);
  });

  test('VK_API_URL keeps a base that ends with /method and adds it otherwise', () => {
    expect(ok({ VK_TOKEN: TOKEN, VK_API_URL: 'http://127.0.0.1:5555/method' }).vkApiUrl).toBe(
      'http://127.0.0.1:5555/method',
    );
    expect(ok({ VK_TOKEN: TOKEN, VK_API_URL: 'https://proxy.example/vk//' }).vkApiUrl).toBe(
      'https://proxy.example/vk/method',
    );
  });

  // One bad value per variable; the last test checks the list covers the whole table
  const bad: Record<ConfigKey, { value: string; problem: RegExp }> = {
    tokens: { value: `${TOKEN},,${TOKEN_2}`, problem: /^VK_TOKEN: entry 2 of 3 is empty/ },
    groupId: { value: '-42', problem: /^VK_GROUP_ID: must be a positive integer .*, got "-42"$/ },
    redisUrl: {
      value: 'http://127.0.0.1:6379',
      problem: /^REDIS_URL: must be a URL starting with redis:\/\/ or rediss:\/\//,
    },
    vkApiUrl: {
      value: 'ftp://api.vk.com',
      problem: /^VK_API_URL: must be a URL starting with https:\/\/ or http:\/\//,
    },
    busStream: {
      value: '{events}',
      problem: /^BUS_STREAM: must be a stream name without .*, got "\{events\}"$/,
    },
    busPartitions: {
      value: '2000',
      problem: /^BUS_PARTITIONS: must be an integer from 1 to 1024, got "2000"$/,
    },
    busMaxLen: {
      value: '-1',
      problem: /^BUS_MAXLEN: must be an integer ≥ 0 \(entries; 0 keeps all\), got "-1"$/,
    },
    busDedupeTtlMs: {
      value: '999',
      problem: /^BUS_DEDUPE_TTL_MS: must be an integer ≥ 1000 \(milliseconds\), got "999"$/,
    },
    commandPrefixes: {
      value: '/,! x',
      problem: /^COMMAND_PREFIXES: prefix 2 contains whitespace, got "\/,! x"$/,
    },
    logLevel: {
      value: 'verbose',
      problem: /^LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"$/,
    },
    httpHost: {
      value: 'http://0.0.0.0',
      problem: /^HTTP_HOST: must be an IP address or a host name.*, got "http:\/\/0.0.0.0"$/,
    },
    httpPort: { value: '65536', problem: /^HTTP_PORT: must be an integer from 0 to 65535, got "65536"$/ },
    lpWait: { value: '0', problem: /^LP_WAIT: must be an integer from 1 to 90 \(seconds\), got "0"$/ },
    leaseMs: { value: '999', problem: /^LEASE_MS: must be an integer ≥ 1000 \(milliseconds\), got "999"$/ },
    resolveTimeoutMs: {
      value: '5s',
      problem: /^RESOLVE_TIMEOUT_MS: must be an integer ≥ 0 \(milliseconds\), got "5s"$/,
    },
  };

  test.each(CONFIG_VARIABLES.map((variable) => [variable.name, variable.key] as const))(
    'a bad %s is one problem naming it',
    (name, key) => {
      const env: NodeJS.ProcessEnv = { VK_TOKEN: TOKEN, [name]: bad[key].value };
      const found = problems(env);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(bad[key].problem);
    },
  );

  test('BUS_MAXLEN and BUS_DEDUPE_TTL_MS: documented defaults, 0 keeps every entry', () => {
    const defaults = ok({ VK_TOKEN: TOKEN });
    expect(defaults.busMaxLen).toBe(100_000);
    expect(defaults.busDedupeTtlMs).toBe(3_600_000);
    const set = ok({ VK_TOKEN: TOKEN, BUS_MAXLEN: '0', BUS_DEDUPE_TTL_MS: '600000' });
    expect(set.busMaxLen).toBe(0);
    expect(set.busDedupeTtlMs).toBe(600_000);
  });

  test('numbers are plain digits: no signs, fractions, exponents, hex or units', () => {
    for (const value of ['+25', '25.0', '2.5e1', '0x19', '25s', ' 2 5 ', '-1'])
      expect(problems({ VK_TOKEN: TOKEN, LP_WAIT: value })).toHaveLength(1);
  });

  test('every problem is reported at once, in the order of the table, one line each', () => {
    const found = problems({
      LP_WAIT: '120',
      LOG_LEVEL: 'loud',
      REDIS_URL: 'not a url',
      HTTP_PORT: 'http',
      BUS_PARTITIONS: '0',
    });
    expect(found.map((line) => line.split(/[ :]/)[0])).toEqual([
      'VK_TOKEN',
      'REDIS_URL',
      'BUS_PARTITIONS',
      'LOG_LEVEL',
      'HTTP_PORT',
      'LP_WAIT',
    ]);
    for (const line of found) expect(line).not.toContain('\n');
    const message = formatConfigProblems(found);
    expect(message.split('\n')).toEqual([
      'fetcher: the configuration from the environment is invalid (6 problems):',
      ...found.map((line) => `  - ${line}`),
      'Run with --help to list every variable with its default.',
    ]);
  });

  test('a community id with several tokens is a problem that says why', () => {
    expect(problems({ VK_TOKEN: `${TOKEN},${TOKEN_2}`, VK_GROUP_ID: '1' })).toEqual([
      'VK_GROUP_ID: works with a single token only, and VK_TOKEN holds 2: unset VK_GROUP_ID (each community is detected from its token)',
    ]);
    // reported beside a bad token list too, not only once the tokens are fixed
    expect(problems({ TOKEN: `${TOKEN},,`, GROUPID: '1' })).toHaveLength(2);
  });

  test('a token or a Redis password never appears in a problem', () => {
    const found = problems({
      VK_TOKEN: `${TOKEN},${TOKEN}, ${TOKEN_2} x`,
      REDIS_URL: 'http://:hunter2@redis:6379',
      VK_API_URL: 'https://user:sekret@api.vk.com',
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toBe('VK_TOKEN: entries 1 and 2 are the same token');
    const text = found.join('\n');
    for (const secret of [TOKEN, TOKEN_2, 'hunter2', 'sekret']) expect(text).not.toContain(secret);
    expect(problems({ REDIS_URL: 'redis://:hunter2@[bad' }).join('\n')).not.toContain('hunter2');
  });
});

describe('configSummary', () => {
  test('shows the token count and fingerprints and hides the Redis password, never a token', () => {
    const config = ok({
      VK_TOKEN: `${TOKEN},${TOKEN_2}`,
      REDIS_URL: 'redis://fetcher:hunter2@redis:6379/0',
    });
    const summary = configSummary(config);
    expect(summary.tokens).toEqual({
      count: 2,
      fingerprints: [tokenFingerprint(TOKEN), tokenFingerprint(TOKEN_2)],
    });
    expect(summary.redisUrl).toBe('redis://fetcher:***@redis:6379/0');
    expect(summary.groupId).toBeNull();
    expect(summary.lpWait).toBe(25);
    const logged = JSON.stringify(summary);
    for (const secret of [TOKEN, TOKEN_2, 'hunter2']) expect(logged).not.toContain(secret);
  });

  test('has an entry for every variable', () => {
    const summary = configSummary(ok({ VK_TOKEN: TOKEN }));
    expect(Object.keys(summary)).toEqual(CONFIG_VARIABLES.map((variable) => variable.key));
  });
});

describe('helpText and the README table', () => {
  test('--help lists every variable, its alias and its default or that it is required', () => {
    const help = helpText();
    for (const variable of CONFIG_VARIABLES) {
      const line = help.split('\n').find((row) => row.trimStart().startsWith(variable.name));
      expect(line, variable.name).toBeDefined();
      if (variable.alias) expect(line).toContain(`(or ${variable.alias})`);
      if (variable.required) expect(line).toMatch(/required$/);
      else if (variable.default !== undefined)
        expect(line?.endsWith(`default ${variable.default}`)).toBe(true);
      else expect(line).toMatch(/unset$/);
      expect(help).toContain(variable.description);
    }
    expect(help).toContain('default redis://127.0.0.1:6379');
    expect(help).toContain('default 9464');
  });

  test('the Markdown table has a row per variable', () => {
    const rows = configMarkdownTable().split('\n');
    expect(rows).toHaveLength(CONFIG_VARIABLES.length + 2);
    expect(rows).toContain(
      '| `LP_WAIT` | `25` | Seconds VK holds a Long Poll request open when there are no events, 1 to 90. |',
    );
  });
});

test('the README shows the variables exactly as the table makes them', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /<!-- config-table[^>]*-->\n([\s\S]*?)\n<!-- \/config-table -->/.exec(readme)?.[1];
  // Cells compared trimmed: the formatter pads the README's columns.
  const cells = (table: string | undefined) =>
    table?.split('\n').map((row) =>
      row
        .split('|')
        .map((cell) => cell.trim().replace(/^-+$/, '---'))
        .join('|'),
    );
  expect(cells(block)).toEqual(cells(configMarkdownTable()));
});
