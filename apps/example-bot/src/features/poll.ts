import type { KeyValueStore } from '@vkwire/core';
import type { ExampleBot } from '../context.js';

/** A view: a message whose buttons are bound to handlers and state, edited in place on each press. */
export function poll(bot: ExampleBot, store?: KeyValueStore): void {
  const tea = bot.view(
    'tea',
    {
      state: { yes: 0, no: 0 },
      text: (votes) => `Tea or coffee? Tea ${votes.yes}, coffee ${votes.no}.`,
      allow: 'anyone',
      ttlMs: 3600_000,
      ...(store ? { store } : {}),
    },
    (view) => {
      view.button(
        'tea',
        (votes) => `🍵 Tea (${votes.yes})`,
        (_ctx, v) => v.update({ ...v.state, yes: v.state.yes + 1 }),
        { color: 'positive' },
      );
      view.button(
        'coffee',
        (votes) => `☕ Coffee (${votes.no})`,
        (_ctx, v) => v.update({ ...v.state, no: v.state.no + 1 }),
      );
      view
        .row()
        .button('close', 'Close', (_ctx, v) =>
          v.close(`Poll closed: tea ${v.state.yes}, coffee ${v.state.no}.`),
        );
    },
  );
  bot.command('poll', { description: 'A poll (a view: buttons bound to state)' }, (ctx) =>
    ctx.replyView(tea),
  );
}
