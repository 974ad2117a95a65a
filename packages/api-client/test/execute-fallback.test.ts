import { afterEach, describe, expect, test } from 'vitest';
import { VkApiError } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const outerCalls = (rig: Rig) =>
  rig.vk.calls().filter((call) => !call.inExecute && call.method !== 'groups.getById');

// Batching is the client's idea, not the caller's: an execute can fail as a whole where the same
// calls alone would not (VK's execute has its own limits: response size, operations, code length
// — error 13 "runtime error", 12 "compile error"). A call must never fail because it was batched.
describe('an execute batch that fails as a whole (12, 13)', () => {
  test.each([13, 12])(
    'error %i: each call of the batch is sent alone and gets its own answer',
    async (code) => {
      current = await rig({ tokenType: 'group' });
      const { vk, api } = current;
      vk.user(1).send('hi');
      vk.faults.apiError(code, { method: 'execute' });
      const ids = await Promise.all(
        ['first', 'second', 'third'].map((text) => api.messages.send({ peer_id: 1, message: text })),
      );
      expect(new Set(ids).size).toBe(3);
      // One after another, in the order they were asked for, as the batch would have sent them.
      expect(vk.sent({ peer: 1 }).map((message) => message.text)).toEqual(['first', 'second', 'third']);
      expect(outerCalls(current).map((call) => call.method)).toEqual([
        'execute',
        'messages.send',
        'messages.send',
        'messages.send',
      ]);
    },
  );

  test("a user's own execute that fails with 13 still fails with it (it was never batched)", async () => {
    current = await rig({ tokenType: 'group' });
    const { vk, api } = current;
    vk.faults.apiError(13, { method: 'execute' });
    const error = await api.call('execute', { code: 'return 1;' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkApiError);
    expect((error as VkApiError).code).toBe(13);
  });
});
