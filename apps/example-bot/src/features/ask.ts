import { WaitCancelledError, WaitTimeoutError } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';

/** `ctx.waitFor`: the handler asks and waits for the same user's next message in this conversation. */
export function ask(bot: ExampleBot, timeoutMs = 60_000): void {
  bot.command('ask', { description: 'Asks a question and waits for your answer' }, async (ctx) => {
    await ctx.reply('What is your favourite colour?');
    try {
      const answer = await ctx.waitFor('message', { timeout: timeoutMs });
      await answer.reply(`${answer.text}? Good choice.`);
    } catch (error) {
      if (error instanceof WaitTimeoutError) await ctx.send('No answer. Ask me again with /ask.');
      else if (!(error instanceof WaitCancelledError)) throw error; // cancelled: the bot is stopping
    }
  });
}
