import { type KeyValueStore, MemoryKeyValueStore } from '@vkwire/core';
import type { ExampleBot } from '../context.js';

/** What the digest keeps: who subscribed, and how many messages came since the last digest. */
interface DigestState {
  subscribers: number[];
  messages: number;
}

const KEY = 'example-bot:digest';

/**
 * Changes the digest's state with a compare-and-set, again while another writer (another worker)
 * got there first; answers what `change` returned.
 */
async function update<T>(store: KeyValueStore, change: (state: DigestState) => T): Promise<T> {
  for (;;) {
    const current = await store.get(KEY);
    const state: DigestState = structuredClone(
      (current?.value as DigestState | undefined) ?? { subscribers: [], messages: 0 },
    );
    const answer = change(state);
    if (await store.set(KEY, state, { ifVersion: current?.version ?? 0 })) return answer;
  }
}

/**
 * A background task (`bot.every`): conversations that sent `/subscribe` get a digest on a schedule
 * — how many messages the bot handled since the last one. The task stops with the bot.
 * Subscriptions and the count live in `storage` (process memory without one), so on the pipeline
 * the one worker that runs the task sees what every worker handled.
 */
export function digest(bot: ExampleBot, every: number | string, storage?: KeyValueStore): void {
  const store = storage ?? new MemoryKeyValueStore();
  bot.use(async (ctx, next) => {
    if (ctx.update.type === 'message_new')
      await update(store, (state) => {
        state.messages++;
      });
    return next();
  });

  bot.command(
    'subscribe',
    { description: 'A digest in this conversation on a schedule (again: unsubscribe)' },
    async (ctx) => {
      const subscribed = await update(store, (state) => {
        const before = state.subscribers.length;
        state.subscribers = state.subscribers.filter((peerId) => peerId !== ctx.peerId);
        if (state.subscribers.length < before) return false;
        state.subscribers.push(ctx.peerId);
        return true;
      });
      if (!subscribed) return 'Unsubscribed from the digest.';
      return `Subscribed: a digest every ${typeof every === 'number' ? `${every} ms` : every}.`;
    },
  );

  bot.every(every, async ({ signal }) => {
    const { subscribers, count } = await update(store, (state) => {
      const count = state.messages;
      state.messages = 0;
      return { subscribers: [...state.subscribers], count };
    });
    const sends = subscribers.map((peerId) =>
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
