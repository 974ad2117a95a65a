import { cooldown, formatWait } from '@vkwire/bot-framework';
import type { ExampleBot } from '../context.js';

/** A cooldown: each user may roll once per 10 seconds; a call over the limit is told how long to wait. */
export function roll(bot: ExampleBot): void {
  const oncePer10s = cooldown({
    limit: 1,
    per: '10s',
    onCooldown: (_ctx, retryAfterMs) => `Not so fast: roll again in ${formatWait(retryAfterMs)}.`,
  });
  bot.command('roll', { description: 'Rolls a die (once per 10 s)', checks: [oncePer10s] }, () => {
    const die = 1 + Math.floor(Math.random() * 6);
    return `🎲 ${die}`;
  });
}
