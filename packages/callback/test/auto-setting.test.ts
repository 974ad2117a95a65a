import { VK_API_VERSION } from '@vkwire/core';
import { afterEach, describe, expect, test } from 'vitest';
import {
  CallbackGroups,
  CallbackSetupError,
  type ConfigureCallbackServerOptions,
  configureCallbackServer,
} from '../src/index.js';
import { type CallbackServer, serveCallback } from '../src/node.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
let server: CallbackServer | undefined;
afterEach(async () => {
  await current?.close();
  await server?.stop();
  current = undefined;
  server = undefined;
});

async function setup() {
  current = await rig();
  const groups = new CallbackGroups();
  const types: string[] = [];
  server = await serveCallback({ groups, onUpdate: (update) => void types.push(update.type) });
  return { ...current, groups, types, url: server.url };
}

describe('configureCallbackServer (AutoSetting)', () => {
  test('adds the server, gets it confirmed, sets a secret and exactly the given events at VK_API_VERSION', async () => {
    const { vk, api, groups, types, url } = await setup();
    const result = await configureCallbackServer(api, {
      url,
      title: 'my-bot',
      groupId: vk.group.id,
      events: ['message_new', 'message_event'],
      groups,
    });
    expect(result.created).toBe(true);
    expect(result.secret).toMatch(/^[0-9A-Za-z]{32}$/);
    const { code } = await api.groups.getCallbackConfirmationCode({ group_id: vk.group.id });
    expect(result.confirmation).toBe(code);
    expect(groups.get(vk.group.id)).toEqual({
      groupId: vk.group.id,
      secret: result.secret,
      confirmation: code,
    });
    await vk.callback.idle();
    const { items } = await api.groups.getCallbackServers({ group_id: vk.group.id });
    expect(items).toEqual([
      expect.objectContaining({
        id: result.serverId,
        url,
        title: 'my-bot',
        secret_key: result.secret,
        status: 'ok',
      }),
    ]);
    const settings = (await api.call('groups.getCallbackSettings', {
      group_id: vk.group.id,
      server_id: result.serverId,
    })) as { api_version: string; events: Record<string, number> };
    expect(settings.api_version).toBe(VK_API_VERSION);
    expect(Object.keys(settings.events).filter((type) => settings.events[type] === 1)).toEqual([
      'message_new',
      'message_event',
    ]);
    vk.user(1).send('hi');
    vk.user(1).typing(); // switched off
    await vk.callback.idle();
    expect(types).toEqual(['message_new']);
  });

  test('idempotent: a second run changes nothing and returns the same server, secret and code', async () => {
    const { vk, api, groups, url } = await setup();
    const options: ConfigureCallbackServerOptions = {
      url,
      groupId: vk.group.id,
      events: ['message_new'],
      groups,
    };
    const first = await configureCallbackServer(api, options);
    await vk.callback.idle();
    const before = vk.calls().length;
    const second = await configureCallbackServer(api, options);
    expect(second).toEqual({ ...first, created: false, settingsChanged: false });
    const writes = vk
      .calls()
      .slice(before)
      .map((call) => call.method)
      .filter((method) => !/^groups\.get/.test(method));
    expect(writes).toEqual([]);
    expect((await api.groups.getCallbackServers({ group_id: vk.group.id })).count).toBe(1);
    // A change of the event list is applied, still on the same server.
    const third = await configureCallbackServer(api, { ...options, events: ['message_new', 'group_join'] });
    expect([third.serverId, third.settingsChanged, third.created]).toEqual([first.serverId, true, false]);
  });

  test('broken duplicates at our URL are deleted; servers at other URLs are left alone', async () => {
    const { vk, api, groups, url } = await setup();
    const group_id = vk.group.id;
    const other = await api.groups.addCallbackServer({
      group_id,
      url: 'http://127.0.0.1:9/other',
      title: 'other',
    });
    // Two servers at our URL that never got confirmed (nobody knew their keys).
    const broken1 = await api.groups.addCallbackServer({ group_id, url, title: 'old1', secret_key: 'x' });
    const broken2 = await api.groups.addCallbackServer({ group_id, url, title: 'old2' });
    await vk.callback.idle();
    const result = await configureCallbackServer(api, {
      url,
      groupId: group_id,
      events: ['message_new'],
      groups,
    });
    expect(result.deleted.sort()).toEqual([broken1.server_id, broken2.server_id].sort());
    await vk.callback.idle();
    const { items } = await api.groups.getCallbackServers({ group_id });
    expect(items?.map((item) => [item.id, item.status])).toEqual([
      [other.server_id, 'failed'],
      [result.serverId, 'ok'],
    ]);
  });

  test('waits for VK to confirm a new server; an endpoint answering the wrong code is a typed error', async () => {
    const { vk, api, groups, url } = await setup();
    const first = await configureCallbackServer(api, { url, groupId: vk.group.id, events: [], groups });
    expect(first.confirmed).toBe(true);
    // Without the registry the endpoint answers VK's confirmation with a stale code.
    const stale = await serveCallback({
      groups: [{ groupId: vk.group.id, confirmation: 'stale000' }],
      onUpdate: () => {},
    });
    try {
      const error = await configureCallbackServer(api, {
        url: stale.url,
        groupId: vk.group.id,
        events: [],
      }).catch((e) => e);
      expect(error).toBeInstanceOf(CallbackSetupError);
      expect(error.code).toBe('not_confirmed');
      expect(String(error.message)).toContain(stale.url);
      // Not waiting: the answer comes before VK's verdict.
      const quick = await configureCallbackServer(api, {
        url: `${stale.url}?2`,
        groupId: vk.group.id,
        events: [],
        confirmTimeoutMs: 0,
      });
      expect([quick.created, quick.confirmed]).toEqual([true, false]);
    } finally {
      await stale.stop();
    }
  });

  test('a typed error for a token that cannot manage the community; no secret in the message', async () => {
    const { vk, api, groups, url } = await setup();
    const error = await configureCallbackServer(api, { url, groupId: 1, events: [], groups }).catch((e) => e);
    expect(error).toBeInstanceOf(CallbackSetupError);
    expect(error.code).toBe('need_group_token');
    expect(String(error.message)).toMatch(/community 1/);
    expect(String(error.message)).not.toContain(vk.group.token);
  });
});
