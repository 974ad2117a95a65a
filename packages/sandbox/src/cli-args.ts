import { parseArgs } from 'node:util';

/** What the `vkwire-sandbox` command was asked to do. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | {
      kind: 'run';
      port: number;
      host: string;
      groupId: number | undefined;
      token: string | undefined;
      rateLimit: boolean;
      historySize: number | undefined;
      vkLike: boolean;
      json: boolean;
      chat: boolean;
    };

/** The `--help` text: every option with its default. */
export const CLI_HELP = `vkwire-sandbox: an offline VK (API, Bots and User Long Poll, Callback API, simulated users)

Usage: vkwire-sandbox [options]

Options:
  --port <n>           port to listen on (default: $PORT or 8787; 0 = any free port)
  --host <address>     address to listen on (default: 127.0.0.1)
  --group-id <id>      the community's id (default: a generated one)
  --token <token>      the community's access token (default: a generated one)
  --no-rate-limit      answer every call (default: 20 requests/s per community token, as VK)
  --history-size <n>   Bots Long Poll events kept per community (default: 100000)
  --vk-like            benchmark mode: build each long poll answer per request (as VK does)
                       and spread bulk messages over 1000 dialogs (default: off)
  --json               print one JSON line { url, apiUrl, groupId, token, chatUrl? } instead
  --chat               serve the chat page at / (talk to your bot as simulated users)
  -h, --help           print this text

With pnpm from the repository: pnpm --filter @vkwire/sandbox start --port 9000
`;

function integer(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | string | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    return `--${name} must be an integer from ${min} to ${max}, got "${raw}"`;
  }
  return value;
}

/**
 * Reads the command line. A leading `--` (what `pnpm start -- --port 9000` passes on) is skipped.
 * Never throws: a bad option comes back as `{ kind: 'error' }` with one line naming it.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  const args = argv.filter((arg, index) => !(arg === '--' && index === 0));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'group-id': { type: 'string' },
        token: { type: 'string' },
        'no-rate-limit': { type: 'boolean', default: false },
        'history-size': { type: 'string' },
        'vk-like': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        chat: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { kind: 'error', message: `${message} (see --help)` };
  }
  if (values.help) return { kind: 'help' };
  const port = integer('port', (values.port as string | undefined) ?? env.PORT ?? '8787', 0, 65535);
  const groupId = integer('group-id', values['group-id'] as string | undefined, 1, Number.MAX_SAFE_INTEGER);
  const historySize = integer('history-size', values['history-size'] as string | undefined, 1, 10_000_000);
  for (const checked of [port, groupId, historySize]) {
    if (typeof checked === 'string') return { kind: 'error', message: checked };
  }
  const token = values.token as string | undefined;
  if (token !== undefined && token.trim() === '')
    return { kind: 'error', message: '--token must not be empty' };
  return {
    kind: 'run',
    port: port as number,
    host: values.host as string,
    groupId: groupId as number | undefined,
    token,
    rateLimit: !values['no-rate-limit'],
    historySize: historySize as number | undefined,
    vkLike: values['vk-like'] as boolean,
    json: values.json as boolean,
    chat: values.chat as boolean,
  };
}
