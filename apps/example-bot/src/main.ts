// `pnpm start`: the example bot, offline on an embedded sandbox by default, or on VK with VK_TOKEN.
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { createExampleBot } from './bot.js';
import type { ExampleBot } from './context.js';
import { fail, listenProblem, loadSettingsOrExit } from './entry.js';

const settings = loadSettingsOrExit();

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
    // Offline: an embedded sandbox with its chat page.
    vk = await createSandbox({ port: settings.PORT, chat: true });
    bot = createExampleBot({ token: vk.group.token, apiUrl: vk.apiUrl, storage, digestEvery: '1m' });
    await bot.start();
    process.stdout.write(`example-bot: offline, on an embedded sandbox. Open ${vk.chatUrl ?? vk.url}\n`);
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
