import type { VkParsedUpdate } from '@vkwire/events-schema';
import { afterEach, describe, expect, test } from 'vitest';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

// TypeScript lets any function fit a listener type returning `void`: `(update) => queue.push(update)`
// returns the queue's length, an async Redis LPUSH its count; plain JavaScript checks nothing. Such
// a value is the handler saying "done", not a reply: VK must get `ok`, and the update is handled once.
type Listener = (update: VkParsedUpdate) => void;
describe('what a handler returns besides a reply', () => {
  test.each([
    ['a number (Array.push)', (queue: unknown[]) => (update: VkParsedUpdate) => queue.push(update)],
    [
      'a promise of a number (a Redis LPUSH)',
      (queue: unknown[]) => async (update: VkParsedUpdate) => queue.push(update),
    ],
    ['true', (queue: unknown[]) => (update: VkParsedUpdate) => Boolean(queue.push(update))],
    ['an object', (queue: unknown[]) => (update: VkParsedUpdate) => ({ length: queue.push(update) })],
  ])('%s: answered ok and handled once', async (_name, make) => {
    current = await rig();
    const { vk, serve } = current;
    const queue: unknown[] = [];
    const handler: Listener = make(queue);
    await serve({ onUpdate: handler });
    vk.user(1).send('into the queue');
    await vk.callback.idle();
    expect(queue).toHaveLength(1);
    expect(vk.callback.deliveries({ type: 'message_new' })[0]?.attempts).toEqual([
      expect.objectContaining({ status: 200, answer: 'ok', retryCounter: 0 }),
    ]);
  });
});
