import { VK_API_VERSION } from '@vkwire/events-schema';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, ok } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

describe('groups.*Callback* methods', () => {
  test('add, list, edit and delete a server', async () => {
    const group_id = vk.group.id;
    const { server_id } = await ok<{ server_id: number }>(vk, 'groups.addCallbackServer', {
      group_id,
      url: 'http://127.0.0.1:9/vk',
      title: 'prod-bot',
      secret_key: 's3cr3t',
    });
    const list = await ok<{ count: number; items: unknown[] }>(vk, 'groups.getCallbackServers', { group_id });
    expect(list).toEqual({
      count: 1,
      items: [
        {
          id: server_id,
          title: 'prod-bot',
          creator_id: 0,
          url: 'http://127.0.0.1:9/vk',
          secret_key: 's3cr3t',
          // The confirmation request went out at once; nothing listens on port 9, so it fails.
          status: expect.stringMatching(/^(wait|failed)$/),
        },
      ],
    });
    await ok(vk, 'groups.editCallbackServer', {
      group_id,
      server_id,
      url: 'http://127.0.0.1:9/v2',
      title: 'prod-2',
    });
    expect(await ok(vk, 'groups.getCallbackServers', { group_id, server_ids: server_id })).toMatchObject({
      items: [{ url: 'http://127.0.0.1:9/v2', title: 'prod-2' }],
    });
    await ok(vk, 'groups.deleteCallbackServer', { group_id, server_id });
    expect(await ok(vk, 'groups.getCallbackServers', { group_id })).toEqual({ count: 0, items: [] });
    expect((await call(vk, 'groups.deleteCallbackServer', { group_id, server_id })).error?.error_code).toBe(
      104,
    );
  });

  test('settings per server: api_version and event flags', async () => {
    const group_id = vk.group.id;
    const { server_id } = await ok<{ server_id: number }>(vk, 'groups.addCallbackServer', {
      group_id,
      url: 'http://127.0.0.1:9/cb',
      title: 'x',
    });
    await ok(vk, 'groups.setCallbackSettings', {
      group_id,
      server_id,
      api_version: VK_API_VERSION,
      message_new: 1,
      message_event: 1,
    });
    const settings = await ok<{ api_version: string; events: Record<string, number> }>(
      vk,
      'groups.getCallbackSettings',
      { group_id, server_id },
    );
    expect(settings.api_version).toBe(VK_API_VERSION);
    expect(settings.events).toMatchObject({
      message_new: 1,
      message_event: 1,
      group_join: 0,
      lead_forms_new: 0,
    });
  });

  test('a confirmation code per community', async () => {
    const { code } = await ok<{ code: string }>(vk, 'groups.getCallbackConfirmationCode', {
      group_id: vk.group.id,
    });
    expect(code).toMatch(/^[0-9a-f]{8}$/);
  });

  test('ten servers at most (error 2000), a title of 14 characters at most (error 100)', async () => {
    const group_id = vk.group.id;
    for (let index = 0; index < 10; index += 1) {
      await ok(vk, 'groups.addCallbackServer', {
        group_id,
        url: `http://127.0.0.1:9/${index}`,
        title: `s${index}`,
      });
    }
    expect(
      (
        await call(vk, 'groups.addCallbackServer', {
          group_id,
          url: 'http://127.0.0.1:9/10',
          title: 'one more',
        })
      ).error?.error_code,
    ).toBe(2000);
    const other = await createSandbox();
    try {
      const answer = await call(other, 'groups.addCallbackServer', {
        group_id: other.group.id,
        url: 'http://127.0.0.1:9',
        title: 'a title too long',
      });
      expect(answer.error?.error_code).toBe(100);
    } finally {
      await other.close();
    }
  });

  test('group_id is required', async () => {
    expect((await call(vk, 'groups.getCallbackServers')).error?.error_code).toBe(100);
  });
});
