import { Keyboard } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';

/** Callback buttons: a press sends no message; the bot answers it with a snackbar. */
export function buttons(bot: ExampleBot): void {
  bot.command('buttons', { description: 'Callback buttons with snackbars' }, (ctx) =>
    ctx.reply({
      message: 'These buttons send no message:',
      keyboard: Keyboard.inline()
        .callback('Show a snackbar', { payload: { cmd: 'snackbar' }, color: 'positive' })
        .row()
        .link('vkwire on GitHub', 'https://github.com/vkwire/vkwire'),
    }),
  );
  bot.button({ cmd: 'snackbar' }, (ctx) =>
    ctx.answer({ type: 'show_snackbar', text: 'Hello from a callback button!' }),
  );
}
