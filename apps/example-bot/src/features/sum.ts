import { arg } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';

/** Typed arguments: `/sum 1 2 3` → `ctx.args.numbers` is `number[]`; `/sum 1 two` is answered with what was wrong. */
export function sum(bot: ExampleBot): void {
  bot.command(
    'sum',
    {
      description: 'Adds numbers',
      args: { numbers: arg.number().greedy().describe('the numbers to add') },
      examples: ['/sum 1 2 3', '/sum 2,5 0.5'],
    },
    (ctx) => {
      const total = ctx.args.numbers.reduce((a, b) => a + b, 0);
      return `${ctx.args.numbers.join(' + ')} = ${total}`;
    },
  );
}
