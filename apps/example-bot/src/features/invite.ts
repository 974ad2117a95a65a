import type { ExampleBot } from '../context.js';

/** The greeting when the community is added to a chat. */
export function invite(bot: ExampleBot): void {
  bot.onInvite(
    () =>
      "Hi all! I'm the vkwire example bot: /help lists what I can do. Make me an admin of the chat so /ban works.",
  );
}
