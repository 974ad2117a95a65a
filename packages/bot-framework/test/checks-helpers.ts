import type { Sandbox } from '@vkwire/sandbox';
import { Bot } from '../src/bot.js';
import { CheckFailure } from '../src/checks/index.js';
import { cleanup, memoryLogger, track } from './helpers.js';

export { texts } from './helpers.js';

/**
 * A bot over Bots Long Poll on the sandbox whose first middlewares count finished updates and
 * answer a `CheckFailure` with its message (recording it): `await seen.until(n)` resolves once n
 * updates were handled, failure replies included.
 */
export async function checkBot(vk: Sandbox, setup: (bot: Bot) => void) {
  const log = memoryLogger();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: log.logger,
    longPoll: { wait: 1 },
  });
  const seen = track(bot);
  const failures: CheckFailure[] = [];
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof CheckFailure)) throw error;
      failures.push(error);
      await ctx.reply(error.message);
    }
  });
  setup(bot);
  await bot.start();
  cleanup(() => bot.stop());
  return { bot, seen, log, failures };
}
