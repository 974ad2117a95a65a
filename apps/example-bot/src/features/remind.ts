import { arg, formatDuration } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';
import type { Reminders } from '../reminders.js';

/**
 * A duration and a text: `/remind 10m take the cake out`. The reminder is a timer owned by
 * `reminders`, which the bot stops on shutdown: no reminder fires after `bot.stop()`.
 */
export function remind(bot: ExampleBot, reminders: Reminders): void {
  bot.command(
    'remind',
    {
      description: 'Reminds you of something later',
      args: {
        delay: arg
          .duration()
          .max(24 * 3600_000)
          .describe('when: 10m, 1h30m, 45s (at most a day)'),
        text: arg.text().describe('what to remind you of'),
      },
      examples: ['/remind 10m take the cake out'],
    },
    (ctx) => {
      const { peerId } = ctx;
      reminders.add(ctx.args.delay, () =>
        ctx.api.messages.send({ peer_id: peerId, message: `⏰ ${ctx.args.text}` }),
      );
      return `OK, I'll remind you in ${formatDuration(ctx.args.delay)}.`;
    },
  );
  bot.onShutdown(() => reminders.stop());
}
