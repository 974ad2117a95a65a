import { Keyboard } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';

/** A keyboard under the input field; its text buttons carry payloads that `bot.payload` routes. */
export function keyboard(bot: ExampleBot): void {
  const buttons = new Keyboard()
    .text('🪙 Flip a coin', { payload: { cmd: 'coin' }, color: 'primary' })
    .text('🕒 Time', { payload: { cmd: 'time' } })
    .row()
    .text('Hide the keyboard', { payload: { cmd: 'hide' }, color: 'negative' });

  bot.command('keyboard', { description: 'Shows a keyboard with buttons' }, (ctx) =>
    ctx.reply({ message: 'Press a button.', keyboard: buttons }),
  );
  bot.payload({ cmd: 'coin' }, () => (Math.random() < 0.5 ? 'Heads' : 'Tails'));
  bot.payload({ cmd: 'time' }, () => `It is ${new Date().toISOString().slice(11, 16)} UTC.`);
  bot.payload({ cmd: 'hide' }, (ctx) =>
    ctx.reply({ message: 'Keyboard hidden.', keyboard: Keyboard.remove() }),
  );
}
