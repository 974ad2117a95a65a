import type { ExampleBot } from '../context.js';
import { gradientPng } from '../png.js';

/** A photo reply: the bot draws a PNG in memory, uploads it and sends it. */
export function photo(bot: ExampleBot): void {
  bot.command('photo', { description: 'Sends a picture drawn in code' }, (ctx) =>
    ctx.replyWithPhoto(
      { data: gradientPng(), filename: 'gradient.png' },
      { message: 'A gradient, drawn in code.' },
    ),
  );
}
