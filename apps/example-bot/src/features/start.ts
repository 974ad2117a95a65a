import type { ExampleBot } from '../context.js';

/** `/start` (and VK's own "Start" button): a greeting that points at the generated `/help`. */
export function start(bot: ExampleBot): void {
  const greeting =
    "Hi! I'm the vkwire example bot. Send /help for what I can do, /help <command> for one command.";
  bot.command('start', { description: 'Says hello' }, () => greeting);
  bot.payload({ command: 'start' }, () => greeting);
}
