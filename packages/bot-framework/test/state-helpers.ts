import type { VkParsedUpdate } from '@vkwire/events-schema';
import type { Sandbox } from '@vkwire/sandbox';
import { Bot } from '../src/bot.js';
import type { Context } from '../src/context.js';
import { cleanup, memoryLogger } from './helpers.js';

/** A bot on the sandbox driven by `handleUpdate` (stopped after the test), with the errors it reported. */
export function stateBot<C extends Context>(vk: Sandbox): { bot: Bot<C>; errors: Error[] } {
  const bot = new Bot<C>({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  const errors: Error[] = [];
  bot.catch((error) => {
    errors.push(error);
  });
  cleanup(() => bot.stop());
  return { bot, errors };
}

/** The `message_new` updates the sandbox emitted since the last call. */
export function inbox(vk: Sandbox): () => VkParsedUpdate[] {
  let seen = 0;
  return () => {
    const all = vk.events();
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh.filter((update) => update.type === 'message_new') as unknown as VkParsedUpdate[];
  };
}

/** Sends texts as user `from` (in `peerId`, a DM by default) and has `bot` handle each, one after another. */
export async function say(
  vk: Sandbox,
  bot: { handleUpdate(update: VkParsedUpdate): Promise<void> },
  next: () => VkParsedUpdate[],
  from: number,
  text: string,
  peerId?: number,
): Promise<void> {
  vk.user(from).send(text, peerId === undefined ? {} : { peerId });
  for (const update of next()) await bot.handleUpdate(update);
}
