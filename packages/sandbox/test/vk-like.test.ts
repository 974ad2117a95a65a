import { afterEach, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { collect, longPollServer, poll } from './helpers.js';

const sandboxes: Sandbox[] = [];
afterEach(async () => {
  for (const vk of sandboxes.splice(0)) await vk.close();
});

async function sandbox(vkLike: boolean): Promise<Sandbox> {
  const vk = await createSandbox({ vkLike, recordEvents: false, groups: [{ id: 218734561 }] });
  sandboxes.push(vk);
  return vk;
}

test('vkLike answers carry the same updates as stored answers, built per request', async () => {
  const stored = await sandbox(false);
  const built = await sandbox(true);
  const texts = ['plain', 'кириллица и emoji 🙂', 'quotes " and \\ backslash'];
  for (const vk of [stored, built]) {
    vk.bulk.messages(250, { userIds: [100_000_001, 100_000_002], texts });
    vk.user(100_000_003).send('a user writes');
  }
  const strip = (updates: Awaited<ReturnType<typeof collect>>) =>
    updates.map(({ event_id: _, object }) => {
      const { date: __, ...message } = (object as { message: Record<string, unknown> }).message;
      return message;
    });
  const fromStored = await collect({ ...(await longPollServer(stored)), ts: '0' }, 251);
  const fromBuilt = await collect({ ...(await longPollServer(built)), ts: '0' }, 251);
  expect(fromBuilt).toHaveLength(251);
  expect(strip(fromBuilt)).toEqual(strip(fromStored));
  const answer = await poll({ ...(await longPollServer(built)), ts: '0' });
  expect(answer.updates).toHaveLength(100);
  expect(answer.ts).toBe('100');
});

test('vkLike bulk messages without userIds spread over 1000 dialogs (100 otherwise)', async () => {
  for (const [vkLike, dialogs] of [
    [false, 100],
    [true, 1000],
  ] as const) {
    const vk = await sandbox(vkLike);
    vk.bulk.messages(2000);
    const updates = await collect({ ...(await longPollServer(vk)), ts: '0' }, 2000);
    const peers = new Set(
      updates.map((update) => (update.object as { message: { peer_id: number } }).message.peer_id),
    );
    expect(peers.size).toBe(dialogs);
  }
});

test('vkLike must be a boolean', async () => {
  await expect(createSandbox({ vkLike: 'yes' as unknown as boolean })).rejects.toMatchObject({
    option: 'vkLike',
  });
});
