import { inspect } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

// A client ends up in logs whole more often than one thinks: `console.log(api)`, a logger given
// `{ api }`, a framework dumping its context on a crash, `JSON.stringify` of a config object.
describe('the token never shows in the client itself', () => {
  test('inspect, JSON.stringify and String of a VkApi (before and after a call) leave the token out', async () => {
    current = await rig({ tokenType: 'group' });
    const { api, vk } = current;
    const token = vk.group.token;
    const views = (): string[] => [
      inspect(api),
      inspect(api, { depth: Infinity, showHidden: true }),
      JSON.stringify(api) ?? '',
      String(api),
      `${JSON.stringify({ config: { api } })}`,
    ];
    for (const view of views()) expect(view).not.toContain(token);
    await api.users.get({ user_ids: [1] });
    for (const view of views()) expect(view).not.toContain(token);
  });

  test('the client still sends the token: calls succeed', async () => {
    current = await rig({ tokenType: 'group' });
    const { groups } = await current.api.groups.getById();
    expect(groups?.[0]?.id).toBe(current.vk.group.id);
  });
});
