import type { ExampleBot } from '../context.js';

/**
 * A background task (`bot.every`): conversations that sent `/subscribe` get a digest on a schedule
 * — how many messages the bot handled since the last one. The task stops with the bot.
 * Subscriptions live in process memory.
 */
export function digest(bot: ExampleBot, every: number | string): void {
  const subscribers = new Set<number>();
  let messages = 0;
  bot.use((ctx, next) => {
    if (ctx.update.type === 'message_new') messages++;
    return next();
  });

  bot.command(
    'subscribe',
    { description: 'A digest in this conversation on a schedule (again: unsubscribe)' },
    (ctx) => {
      if (subscribers.delete(ctx.peerId)) return 'Unsubscribed from the digest.';
      subscribers.add(ctx.peerId);
      return `Subscribed: a digest every ${typeof every === 'number' ? `${every} ms` : every}.`;
    },
  );

  bot.every(every, async ({ signal }) => {
    const count = messages;
    messages = 0;
    const sends = [...subscribers].map((peerId) =>
      bot.api.messages.send(
        { peer_id: peerId, message: `📰 Digest: ${count} messages since the last one.` },
        { signal },
      ),
    );
    // One conversation that cannot be reached does not keep the others from their digest; the
    // failures are thrown together, and the bot logs them.
    const failed = (await Promise.allSettled(sends)).filter((result) => result.status === 'rejected');
    if (failed.length > 0)
      throw new AggregateError(
        failed.map((result) => result.reason),
        `digest: ${failed.length} of ${sends.length} conversations not reached`,
      );
  });
}
