import { CheckFailure } from '@vkwire/bot-framework';
import type { Logger } from '@vkwire/core';
import type { ExampleBot } from '../context.js';

/**
 * The error boundary: a throwing handler never stops the bot; `bot.catch` logs the error and
 * answers the user politely. `/boom` throws on purpose to show it.
 */
export function errors(bot: ExampleBot, logger: Logger): void {
  bot.command('boom', { description: 'Fails on purpose (the error boundary answers)' }, () => {
    throw new Error('boom: this command always fails');
  });
  bot.catch(async (error, ctx) => {
    if (error instanceof CheckFailure) return ctx.reply(error.message);
    logger.error({ err: error, type: ctx.update.type }, 'example-bot: a handler failed');
    if (ctx.peerId !== undefined)
      await ctx.reply('Something went wrong on my side, sorry. It has been logged.');
  });
}
