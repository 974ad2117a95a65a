import { createHash } from 'node:crypto';
import type { RateLimiter } from '@vkwire/api-client';
import { Bot, stage } from '@vkwire/bot-framework';
import { defaultLogger, type KeyValueStore, type Lease, type Logger } from '@vkwire/core';
import type { ExampleBot, ExampleContext } from './context.js';
import { ask } from './features/ask.js';
import { errors } from './features/boom.js';
import { buttons } from './features/buttons.js';
import { digest } from './features/digest.js';
import { invite } from './features/invite.js';
import { keyboard } from './features/keyboard.js';
import { moderation } from './features/moderation.js';
import { photo } from './features/photo.js';
import { poll } from './features/poll.js';
import { register, registration } from './features/register.js';
import { remind } from './features/remind.js';
import { roll } from './features/roll.js';
import { shop } from './features/shop.js';
import { start } from './features/start.js';
import { sum } from './features/sum.js';
import { Reminders } from './reminders.js';

/** Options of {@link createExampleBot}. */
export interface ExampleBotOptions {
  /** The community's access token. */
  token: string;
  /** The key views sign their buttons with. @default derived from `token` */
  viewSecret?: string | Uint8Array;
  /** The API base (a sandbox's `apiUrl`). @default VK's */
  apiUrl?: string | undefined;
  /** Where scenes and views keep their state (redis-bridge's `RedisStorage`). @default memory */
  storage?: KeyValueStore | undefined;
  /**
   * The lock workers sharing `storage` take on a scene's state while an update changes it
   * (redis-bridge's `RedisLease`). @default none (one process)
   */
  lease?: Lease | undefined;
  /** The API's rate limiter, shared by every process on the token (redis-bridge's `RedisRateLimiter`). @default the process's own */
  rateLimiter?: RateLimiter | undefined;
  /**
   * `false`: a worker fed by a bus — updates come only through `bot.handleUpdate`, and `start()`
   * only starts the background task. @default Bots Long Poll on `start()`
   */
  longPoll?: false | undefined;
  /** The reminders' owner; the bot stops it on shutdown. @default a new `Reminders` */
  reminders?: Reminders | undefined;
  /** How often the digest goes to subscribers (`bot.every`). @default '1h' */
  digestEvery?: number | string | undefined;
  /** How long `/ask` waits for the answer, in milliseconds. @default 60000 */
  askTimeoutMs?: number | undefined;
  /** Where failures go. @default core's stderr logger */
  logger?: Logger | undefined;
}

/**
 * The example bot: every feature of `@vkwire/bot-framework`, one file each under `features/`.
 * Start it with `bot.start()` (long poll) or `bot.serve()` (Callback API); `bot.stop()` stops it,
 * its reminders and its background task included.
 */
export function createExampleBot(options: ExampleBotOptions): ExampleBot {
  const logger = options.logger ?? defaultLogger;
  const bot = new Bot<ExampleContext>({
    token: options.token,
    ...(options.apiUrl === undefined ? {} : { baseUrl: options.apiUrl }),
    ...(options.rateLimiter === undefined ? {} : { apiOptions: { rateLimiter: options.rateLimiter } }),
    ...(options.longPoll === false ? { longPoll: false } : {}),
    logger,
    // Views sign their buttons. Every worker sharing the storage must use the same key: this one
    // is derived from the community's token (secret already, and the same on every worker).
    viewSecret:
      options.viewSecret ?? createHash('sha256').update(`vkwire-example-views:${options.token}`).digest(),
  });
  const reminders =
    options.reminders ?? new Reminders((error) => logger.error({ err: error }, 'a reminder failed'));

  // First: the error boundary and the scenes (a user in a scene gets there before the commands).
  errors(bot, logger);
  bot.use(stage([registration], { storage: options.storage, lease: options.lease }));
  digest(bot, options.digestEvery ?? '1h', options.storage);

  start(bot);
  sum(bot);
  remind(bot, reminders);
  roll(bot);
  keyboard(bot);
  buttons(bot);
  shop(bot);
  register(bot);
  ask(bot, options.askTimeoutMs);
  poll(bot, options.storage);
  photo(bot);
  invite(bot);
  void bot.addRouter(moderation()); // before start() it only adds: nothing to await
  return bot;
}
