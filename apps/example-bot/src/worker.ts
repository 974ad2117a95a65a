// A bot worker of `pnpm start:pipeline` (started by pipeline.ts, not by hand): the example bot fed by
// the Redis bus, polling nothing itself. `node worker.js <n>`; worker 1 also runs the background task.
// VK_TOKEN, VK_API_URL and REDIS_URL come from the pipeline, read by the same settings module.
import { errorText } from '@vkwire/core';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import {
  connectRedis,
  createConsumer,
  RedisLease,
  RedisRateLimiter,
  RedisStorage,
} from '@vkwire/redis-bridge';
import { createExampleBot } from './bot.js';
import { fail, loadSettingsOrExit } from './entry.js';

/** The consumer group every worker of the example bot reads the bus in. */
const GROUP = 'example-bot';

const index = Number(process.argv[2]);
if (!Number.isInteger(index) || index < 1) fail('usage: worker.js <worker number, 1 or more>', 2);
const settings = loadSettingsOrExit();
const { VK_TOKEN: token, REDIS_URL: redisUrl } = settings;
if (token === undefined || redisUrl === undefined) fail('a worker needs VK_TOKEN and REDIS_URL', 2);

// One connection for the state, the lease and the rate limiter; the consumer opens its own (its
// reads block).
const redis = await connectRedis(redisUrl as string, `example-bot worker ${index}`);
const storage = new RedisStorage({ redis });
const bot = createExampleBot({
  token: token as string,
  apiUrl: settings.VK_API_URL,
  storage,
  lease: new RedisLease({ redis }),
  rateLimiter: new RedisRateLimiter({ redis }),
  longPoll: false,
  digestEvery: '1m',
});
const consumer = createConsumer({
  redis: redisUrl as string,
  group: GROUP,
  consumer: `worker-${index}-${process.pid}`,
  handler: async (event, context) => {
    await bot.handleUpdate(event.raw as VkParsedUpdate, context);
    // One line per event a user caused (not the echoes of the bot's own messages): which worker,
    // which conversation, which partition.
    const user = event.user?.uuid;
    if (user !== undefined && user > 0)
      process.stdout.write(
        `handled ${event.event_type} from user ${user} (peer ${event.peer?.bpid}, partition ${context.partition})\n`,
      );
  },
});

let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => {
  stopping ??= (async () => {
    await consumer.stop(); // finishes and acks what runs, releases its partitions
    await bot.stop();
    await redis.close();
  })();
  return stopping;
};
const onSignal = (): void => {
  stop().then(
    () => process.exit(0),
    (error: unknown) => fail(`stopping failed: ${errorText(error)}`),
  );
};
process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);
// The pipeline is gone (killed without stopping us): stop rather than run on unowned.
process.once('disconnect', onSignal);

try {
  // Only this worker runs the background task: with `longPoll: false`, start() polls nothing.
  if (index === 1) await bot.start();
  await consumer.start();
} catch (error) {
  await stop().catch(() => {});
  fail(`could not start: ${errorText(error)}`);
}
process.send?.({ ready: true });
