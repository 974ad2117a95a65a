import type { Sandbox } from '@vkwire/sandbox';
import type { Bot } from '../src/bot.js';
import { CheckFailure } from '../src/checks/index.js';
import { startedBot } from './helpers.js';

export { texts } from './helpers.js';

/**
 * A bot over Bots Long Poll on the sandbox whose first middlewares count finished updates and
 * answer a `CheckFailure` with its message (recording it): `await seen.until(n)` resolves once n
 * updates were handled, failure replies included.
 */
export async function checkBot(vk: Sandbox, setup: (bot: Bot) => void) {
  const failures: CheckFailure[] = [];
  const started = await startedBot(vk, (bot) => {
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
  });
  return { ...started, failures };
}
