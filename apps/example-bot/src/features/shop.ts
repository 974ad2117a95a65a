import { button, defineCallbackData, Keyboard } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';

const PRODUCTS = [
  { id: 1, name: 'Green tea', price: 120 },
  { id: 2, name: 'Black tea', price: 100 },
  { id: 3, name: 'Cake', price: 250 },
] as const;

// Typed callback data: the payload is checked when packed, and `ctx.data` is typed in handlers.
const product = defineCallbackData('product', { id: 'number' });
const buy = defineCallbackData('buy', { id: 'number', count: 'number' });
const back = defineCallbackData('shop', {});

const catalog = () =>
  Keyboard.from(
    [PRODUCTS.map((item) => button.callback(item.name, { payload: product.pack({ id: item.id }) }))],
    { inline: true },
  );

/** A menu of callback buttons with typed data (`defineCallbackData`) that edits its own message. */
export function shop(bot: ExampleBot): void {
  bot.command('shop', { description: 'A menu of callback buttons' }, (ctx) =>
    ctx.reply({ message: 'Our shop. Pick a product:', keyboard: catalog() }),
  );
  bot.button(product.filter(), async (ctx) => {
    const item = PRODUCTS.find((candidate) => candidate.id === ctx.data.id);
    if (!item) return ctx.answer({ type: 'show_snackbar', text: 'No such product any more.' });
    await ctx.edit({
      message: `${item.name}: ${item.price} ₽`,
      keyboard: Keyboard.inline()
        .callback('Buy 1', { payload: buy.pack({ id: item.id, count: 1 }), color: 'positive' })
        .callback('Buy 2', { payload: buy.pack({ id: item.id, count: 2 }), color: 'positive' })
        .row()
        .callback('« Back', { payload: back.pack({}) }),
    });
  });
  bot.button(buy.filter(), (ctx) => {
    const item = PRODUCTS.find((candidate) => candidate.id === ctx.data.id);
    return ctx.answer({
      type: 'show_snackbar',
      text: `Added ${ctx.data.count} × ${item?.name} to the cart.`,
    });
  });
  bot.button(back.filter(), (ctx) => ctx.edit({ message: 'Our shop. Pick a product:', keyboard: catalog() }));
}
