import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

const post = async (url: string, body: unknown): Promise<Record<string, unknown>> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
};

describe('the control API drives a sandbox from another process', () => {
  test('info names the API base and the community token', async () => {
    const info = (await (await fetch(`${vk.url}/_sandbox`)).json()) as Record<string, unknown>;
    expect(info).toEqual({
      url: vk.url,
      apiUrl: vk.apiUrl,
      groups: [
        { id: vk.group.id, name: vk.group.name, screenName: vk.group.screenName, token: vk.group.token },
      ],
    });
  });

  test('a simulated user message and a bulk of events arrive over Long Poll', async () => {
    const session = await longPollServer(vk);
    expect(await post(`${vk.url}/_sandbox/users/77/send`, { text: 'ping' })).toMatchObject({
      peerId: 77,
      cmid: 1,
    });
    expect(await post(`${vk.url}/_sandbox/bulk`, { count: 5 })).toEqual({ fromTs: 1, toTs: 6 });
    const updates = await collect(session, 6);
    expect((updates[0]?.object.message as { text: string } | undefined)?.text).toBe('ping');
    expect(await post(`${vk.url}/_sandbox/bulk`, { count: -1 })).toEqual({
      error: 'count must be a positive integer',
    });
  });

  test('faults can be switched on and off', async () => {
    expect(
      await post(`${vk.url}/_sandbox/faults`, {
        target: 'api',
        action: { kind: 'error', code: 10 },
        options: { times: 1 },
      }),
    ).toEqual({ active: 1 });
    expect((await call(vk, 'groups.getById')).error?.error_code).toBe(10);
    await post(`${vk.url}/_sandbox/faults`, {
      target: 'api',
      action: { kind: 'error', code: 10 },
      options: { times: 5 },
    });
    await fetch(`${vk.url}/_sandbox/faults`, { method: 'DELETE' });
    expect((await call(vk, 'groups.getById')).error).toBeUndefined();
  });

  test('sent messages can be read back', async () => {
    vk.user(77).send('hi');
    await call(vk, 'messages.send', { peer_id: 77, message: 'pong', random_id: 1 });
    const sent = (await (await fetch(`${vk.url}/_sandbox/sent?peer=77`)).json()) as Array<{ text: string }>;
    expect(sent.map((message) => message.text)).toEqual(['pong']);
  });
});
