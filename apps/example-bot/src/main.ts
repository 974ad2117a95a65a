// `pnpm start`: the example bot, offline on an embedded sandbox by default, or on VK with VK_TOKEN.
import { createSandbox, type Sandbox, type SandboxOptions } from '@vkwire/sandbox';
import { createExampleBot } from './bot.js';
import type { ExampleBot } from './context.js';
import { loadSettings, SettingsError } from './settings.js';

const fail = (line: string, code = 1): never => {
  process.stderr.write(`example-bot: ${line}\n`);
  process.exit(code);
};

const listenProblem = (error: unknown, port: number): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use; set PORT to another one (PORT=0: any free port)`;
  if (code === 'EACCES')
    return `not allowed to listen on port ${port} (ports below 1024 need privileges); set PORT`;
  return undefined;
};

let settings: ReturnType<typeof loadSettings>;
try {
  settings = loadSettings();
} catch (error) {
  if (error instanceof SettingsError) fail(error.message, 2);
  throw error;
}

// Redis only when asked for: the client is loaded then, not on every start.
const storage = settings.REDIS_URL
  ? new (await import('@vkwire/redis-bridge')).RedisStorage({ redis: settings.REDIS_URL })
  : undefined;
let vk: Sandbox | undefined;
let bot: ExampleBot | undefined;

const shutdown = async (): Promise<void> => {
  await bot?.stop();
  await vk?.close();
  await storage?.close();
};

let stopping = false;
const onSignal = (): void => {
  if (stopping) fail('stopped without waiting for the handlers (a second signal)', 130);
  stopping = true;
  process.stdout.write('example-bot: stopping (the handlers in flight finish first)\n');
  shutdown().then(
    () => {
      process.stdout.write('example-bot: stopped\n');
      process.exit(0);
    },
    (error: unknown) => fail(`stopping failed: ${error instanceof Error ? error.message : String(error)}`),
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  if (settings.VK_TOKEN === undefined) {
    // Offline: an embedded sandbox, with its chat page where the sandbox has one. `chat` is
    // passed through a cast so this builds against a sandbox without that option too.
    vk = await createSandbox({ port: settings.PORT, chat: true } as SandboxOptions);
    bot = createExampleBot({ token: vk.group.token, apiUrl: vk.apiUrl, storage, digestEvery: '1m' });
    await bot.start();
    const page = (vk as Sandbox & { chatUrl?: string }).chatUrl ?? vk.url;
    process.stdout.write(`example-bot: offline, on an embedded sandbox. Open ${page}\n`);
  } else {
    bot = createExampleBot({ token: settings.VK_TOKEN, apiUrl: settings.VK_API_URL, storage });
    if (settings.PUBLIC_URL !== undefined) {
      const { url } = await bot.serve({
        port: settings.PORT,
        hostname: '0.0.0.0',
        publicUrl: settings.PUBLIC_URL,
      });
      process.stdout.write(
        `example-bot: Callback API at ${url}, registered with VK as ${settings.PUBLIC_URL}\n`,
      );
    } else {
      await bot.start();
      process.stdout.write('example-bot: on VK over Bots Long Poll\n');
    }
  }
} catch (error) {
  await shutdown().catch(() => {});
  const problem = listenProblem(error, settings.PORT);
  fail(problem ?? (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
}
