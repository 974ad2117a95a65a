import { afterEach, describe, expect, test } from 'vitest';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const TEXTS = ['one', 'two', 'three', 'four', 'five'];

// Sends issued together to one user go in one execute, in the order asked; when that request fails
// transiently (a proxy's 502, error 10, a lost connection) and is retried, the messages must not
// arrive shuffled by each call's own random backoff.
describe('a batch retried after a transient failure', () => {
  test.each([
    ['a 502 page', (rig: Rig) => rig.vk.faults.apiStatus(502, { method: 'execute' })],
    ['error 10', (rig: Rig) => rig.vk.faults.apiError(10, { method: 'execute' })],
  ])('%s: the messages still arrive in the order asked', async (_name, fault) => {
    current = await rig({ tokenType: 'group', retry: { baseDelayMs: 50 } });
    const { api, vk } = current;
    vk.user(1).send('hi');
    fault(current);
    await Promise.all(TEXTS.map((text) => api.messages.send({ peer_id: 1, message: text })));
    expect(vk.sent({ peer: 1 }).map((message) => message.text)).toEqual(TEXTS);
  });
});
