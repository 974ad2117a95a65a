import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { MemoryRateLimiter, VkApi } from '../src/index.js';

let server: Server | undefined;
let api: VkApi | undefined;
afterEach(async () => {
  await api?.close();
  await new Promise((resolve) => server?.close(resolve));
  api = undefined;
  server = undefined;
});

const GROUP = { id: 218734561, name: 'Test bot', screen_name: 'testbot' };

/**
 * A VK API endpoint answering as VK does for versions before the groups.getById change: an array
 * of communities where 5.199 answers `{ groups, profiles }`. It records the methods asked.
 */
async function olderVk(asked: string[]): Promise<string> {
  server = createServer((request, response) => {
    const method = request.url?.split('/').pop() ?? '';
    asked.push(method);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      if (method === 'groups.getById') response.end(JSON.stringify({ response: [GROUP] }));
      else if (method === 'execute') response.end(JSON.stringify({ response: [[{ id: 1 }], [{ id: 2 }]] }));
      else response.end(JSON.stringify({ response: [{ id: 1 }] }));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/method`;
}

// `version` is an option: a bot pinned to an older API version (vksdk v2 pins 5.131) gets the
// older answer shape, and the token must still be recognised as a community token — else every
// call asks groups.getById again and goes at the user-token rate of 3 a second, unbatched.
describe('token detection with an older API version', () => {
  test('an array answer of groups.getById is a community token, detected once', async () => {
    const asked: string[] = [];
    const baseUrl = await olderVk(asked);
    api = new VkApi({
      token: 'vk1.a.older',
      baseUrl,
      version: '5.131',
      rateLimiter: new MemoryRateLimiter(),
    });
    expect(await api.tokenInfo()).toEqual({
      type: 'group',
      groupId: GROUP.id,
      name: GROUP.name,
      screenName: GROUP.screen_name,
    });
    const results = await Promise.all([api.users.get({ user_ids: [1] }), api.users.get({ user_ids: [2] })]);
    expect(results).toEqual([[{ id: 1 }], [{ id: 2 }]]);
    expect(asked).toEqual(['groups.getById', 'execute']);
  });
});
