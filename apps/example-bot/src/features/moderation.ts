import { VkApiError } from '@vkwire/api-client';
import { arg, CheckFailure, chatAdmin, chatOnly, Router } from '@vkwire/bot-framework';
import type { ExampleContext } from '../context.js';

/**
 * A router: commands with their own checks and error boundary, added with `bot.addRouter`
 * (and removable while the bot runs). `/ban` works in group chats, for the chat's admins; the bot
 * must be an admin of the chat itself to see who is one and to remove users.
 */
export function moderation(): Router<ExampleContext> {
  const router = new Router<ExampleContext>({ name: 'moderation', checks: [chatOnly(), chatAdmin()] });

  router.command(
    'ban',
    {
      description: 'Removes a user from the chat (chat admins only)',
      args: { user: arg.user().describe('who: a mention, @screen_name, or reply to their message') },
      examples: ['/ban @durov'],
    },
    async (ctx) => {
      if (ctx.chatId === null) return; // chatOnly() let only chats through
      await ctx.api.messages.removeChatUser({ chat_id: ctx.chatId, member_id: ctx.args.user.id });
      return `${ctx.args.user.firstName} ${ctx.args.user.lastName} was removed from the chat.`;
    },
  );

  // This router's error boundary: refused checks and VK's refusals get an answer.
  router.catch(async (error, ctx) => {
    if (error instanceof CheckFailure) await ctx.reply(error.message);
    else if (error instanceof VkApiError && error.code === 15)
      await ctx.reply("I can't remove the chat's owner or an admin.");
    else if (error instanceof VkApiError && error.code === 935)
      await ctx.reply('That user is not in this chat.');
    else throw error;
  });
  return router;
}
