import { VkwireConfigError } from '@vkwire/core';
import { VK_API_VERSION } from '@vkwire/events-schema';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, collect, longPollServer, ok, poll } from './helpers.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

describe('Bots Long Poll', () => {
  test('getLongPollServer gives a key, a full server URL and a string ts', async () => {
    const session = await longPollServer(vk);
    expect(session.server).toBe(`${vk.url}/whp/${vk.group.id}`);
    expect(session.key).toMatch(/^[0-9a-f]{40}$/);
    expect(session.ts).toBe('0');
  });

  test('an answer holds the events after ts and the ts to continue from (a string)', async () => {
    const session = await longPollServer(vk);
    vk.user(1).send('one');
    vk.user(2).send('two');
    const answer = await poll(session);
    expect(answer.ts).toBe('2');
    expect(answer.updates?.map((update) => update.object.message)).toMatchObject([
      { text: 'one' },
      { text: 'two' },
    ]);
    expect(await poll({ ...session, ts: '2' })).toEqual({ ts: '2', updates: [] });
    expect(
      (await poll({ ...session, ts: '1' })).updates?.map(
        (update) => (update.object.message as { text: string }).text,
      ),
    ).toEqual(['two']);
  });

  test('a request is held until an event comes', async () => {
    const session = await longPollServer(vk);
    const started = performance.now();
    const pending = poll(session, 10);
    setTimeout(() => vk.user(1).send('late'), 150);
    const answer = await pending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.updates).toHaveLength(1);
  });

  test('a request with no events answers empty when wait ends', async () => {
    const session = await longPollServer(vk);
    const started = performance.now();
    expect(await poll(session, 1)).toEqual({ ts: '0', updates: [] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('at most maxBatch events come in one answer', async () => {
    const small = await createSandbox({ longPoll: { maxBatch: 3 } });
    try {
      const session = await longPollServer(small);
      for (let index = 0; index < 5; index += 1) small.user(1).send(`m${index}`);
      const first = await poll(session);
      expect(first.updates).toHaveLength(3);
      expect(first.ts).toBe('3');
      expect((await poll({ ...session, ts: '3' })).updates).toHaveLength(2);
    } finally {
      await small.close();
    }
  });

  test('an unknown or expired key is failed 2', async () => {
    // Long enough that a loaded machine still polls with a live key, short enough to wait out.
    const short = await createSandbox({ longPoll: { keyTtlMs: 1000 } });
    try {
      const session = await longPollServer(short);
      expect(await poll({ ...session, key: 'nope' })).toEqual({ failed: 2 });
      expect((await poll(session)).updates).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await poll(session)).toEqual({ failed: 2 });
    } finally {
      await short.close();
    }
  });

  test('a ts older than the kept history is failed 1 with the ts to continue from', async () => {
    const small = await createSandbox({ longPoll: { historySize: 10 } });
    try {
      const session = await longPollServer(small);
      small.bulk.messages(3000);
      const answer = await poll(session);
      expect(answer.failed).toBe(1);
      expect(typeof answer.ts).toBe('number');
      const resumed = await poll({ ...session, ts: String(answer.ts) });
      expect(resumed.updates).toHaveLength(10);
      expect(resumed.ts).toBe('3000');
    } finally {
      await small.close();
    }
  });

  test('only event types enabled by setLongPollSettings are delivered', async () => {
    await ok(vk, 'groups.setLongPollSettings', {
      group_id: vk.group.id,
      enabled: 1,
      api_version: VK_API_VERSION,
      message_typing_state: 0,
    });
    const settings = await ok<{ is_enabled: boolean; events: Record<string, number> }>(
      vk,
      'groups.getLongPollSettings',
      { group_id: vk.group.id },
    );
    expect(settings.is_enabled).toBe(true);
    expect(settings.events.message_typing_state).toBe(0);
    expect(settings.events.message_new).toBe(1);
    const session = await longPollServer(vk);
    vk.user(1).typing();
    vk.user(1).send('seen');
    const updates = await collect(session, 1);
    expect(updates.map((update) => update.type)).toEqual(['message_new']);
    expect(vk.events().map((update) => update.type)).toEqual(['message_typing_state', 'message_new']);
  });

  test('a community can start with Long Poll disabled, as a new VK community does', async () => {
    const fresh = await createSandbox({ groups: [{ longPollEnabled: false }] });
    try {
      const answer = await call(fresh, 'groups.getLongPollServer', { group_id: fresh.group.id });
      expect(answer.error?.error_code).toBe(100);
      expect(answer.error?.error_msg).toContain('longpoll for this group is not enabled');
      await ok(fresh, 'groups.setLongPollSettings', { group_id: fresh.group.id, enabled: 1, message_new: 1 });
      const session = await longPollServer(fresh);
      fresh.user(1).send('now it works');
      expect((await collect(session, 1))[0]?.type).toBe('message_new');
    } finally {
      await fresh.close();
    }
  });

  test('another community’s group_id is error 15', async () => {
    const other = vk.addGroup();
    expect((await call(vk, 'groups.getLongPollServer', { group_id: other.id })).error?.error_code).toBe(15);
    const session = await longPollServer(vk, other.id, other.token);
    expect(session.server).toContain(`/whp/${other.id}`);
  });

  test('the hono app answers long polls the same way without a socket (app.fetch)', async () => {
    const session = await longPollServer(vk);
    vk.user(1).send('via fetch');
    const path = `/whp/${vk.group.id}?act=a_check&key=${session.key}&ts=0&wait=0`;
    const viaFetch = await vk.app.fetch(new Request(`http://sandbox${path}`));
    expect(viaFetch.headers.get('content-type')).toContain('application/json');
    expect(await viaFetch.json()).toEqual(await poll(session));
  });

  test('closing the sandbox ends held requests', async () => {
    const session = await longPollServer(vk);
    const pending = poll(session, 30).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await vk.close();
    await pending;
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('Bots Long Poll faults', () => {
  test('failed 1 carries the client’s ts as a number and loses nothing', async () => {
    const session = await longPollServer(vk);
    vk.user(1).send('kept');
    vk.faults.longPollFailed(1);
    expect(await poll(session)).toEqual({ failed: 1, ts: 0 });
    expect((await poll(session)).updates).toHaveLength(1);
  });

  test('failed 2 expires the key: the old key keeps failing, a new key with the old ts loses nothing', async () => {
    const session = await longPollServer(vk);
    vk.user(1).send('kept');
    vk.faults.longPollFailed(2);
    expect(await poll(session)).toEqual({ failed: 2 });
    expect(await poll(session)).toEqual({ failed: 2 });
    const renewed = await longPollServer(vk);
    expect((await poll({ ...renewed, ts: session.ts })).updates).toHaveLength(1);
  });

  test('failed 3 expires the key too', async () => {
    const session = await longPollServer(vk);
    vk.faults.longPollFailed(3);
    expect(await poll(session)).toEqual({ failed: 3 });
    expect(await poll(session)).toEqual({ failed: 2 });
  });

  test('a dropped connection fails the request without an answer', async () => {
    const session = await longPollServer(vk);
    vk.faults.longPollDrop();
    await expect(poll(session)).rejects.toThrow();
    vk.user(1).send('after');
    expect((await poll(session)).updates).toHaveLength(1);
  });

  test('a 5xx fault answers an HTML page', async () => {
    const session = await longPollServer(vk);
    vk.faults.longPollStatus(503);
    const response = await fetch(`${session.server}?act=a_check&key=${session.key}&ts=0&wait=0`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('<html>');
  });

  test('a slow answer comes after the delay', async () => {
    const session = await longPollServer(vk);
    vk.user(1).send('slow');
    vk.faults.longPollDelay(200);
    const started = performance.now();
    expect((await poll(session)).updates).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('bulk events', () => {
  // How fast is the benchmarks' business (bench/sandbox-longpoll); this checks what comes out.
  test('enqueues many message_new events, with distinct ids and per-dialog cmids', async () => {
    const big = await createSandbox({ recordEvents: false, longPoll: { historySize: 400_000 } });
    try {
      const { fromTs, toTs } = big.bulk.messages(300_000);
      expect(toTs - fromTs).toBe(300_000);
      const session = await longPollServer(big);
      const answer = await poll({ ...session, ts: '0' });
      expect(answer.updates).toHaveLength(100);
      const ids = new Set(answer.updates?.map((update) => update.event_id));
      expect(ids.size).toBe(100);
      const first = answer.updates?.[0]?.object.message as Record<string, number>;
      expect(first).toMatchObject({ conversation_message_id: 1, peer_id: 100_000_001, from_id: 100_000_001 });
      // A bulk sender can be answered like any user who wrote.
      expect(
        (await call(big, 'messages.send', { peer_id: 100_000_001, message: 'hi', random_id: 1 })).error,
      ).toBeUndefined();
    } finally {
      await big.close();
    }
  });

  test('spreads messages over dialogs and chats, rotating the texts given', async () => {
    const chat = vk.createChat({ title: 'Team', members: [7, 8] });
    const { fromTs } = vk.bulk.messages(6, {
      userIds: [5, 6],
      chats: [chat.chatId],
      texts: ['/a', 'b', 'c'],
    });
    const session = await longPollServer(vk);
    const messages = (await poll({ ...session, ts: String(fromTs) })).updates?.map(
      (update) => update.object.message as Record<string, unknown>,
    );
    const chatCmid = (messages?.[2]?.conversation_message_id as number) ?? 0;
    expect(messages).toMatchObject([
      { peer_id: 5, from_id: 5, text: '/a', conversation_message_id: 1 },
      { peer_id: 6, from_id: 6, text: 'b', conversation_message_id: 1 },
      { peer_id: chat.peerId, from_id: 7, id: 0, text: 'c' },
      { peer_id: 5, from_id: 5, text: '/a', conversation_message_id: 2 },
      { peer_id: 6, from_id: 6, text: 'b', conversation_message_id: 2 },
      { peer_id: chat.peerId, from_id: 8, id: 0, text: 'c', conversation_message_id: chatCmid + 1 },
    ]);
    // The chat's cmids go on after its service messages (chat_create, the community's invite).
    expect(chatCmid).toBeGreaterThan(1);
    expect(messages?.[0]?.id).toBeGreaterThan(0);
  });

  test('a bulk naming a chat the community is not in is a configuration error', () => {
    const chat = vk.createChat({ title: 'Without the bot', members: [7], groupIds: [] });
    expect(() => vk.bulk.messages(1, { chats: [chat.peerId] })).toThrow(/chats.*community \d+ is in/);
    expect(() => vk.bulk.messages(1, { chats: [999] })).toThrow(VkwireConfigError);
  });

  test('sent messages carry when the sandbox stored them', async () => {
    vk.bulk.messages(2, { userIds: [5, 6] });
    await call(vk, 'messages.send', { peer_id: 5, message: 'one', random_id: 1 });
    await call(vk, 'messages.send', { peer_id: 6, message: 'two', random_id: 2 });
    const [one, two] = vk.sent();
    expect(one?.at).toBeGreaterThan(0);
    expect(two?.at).toBeGreaterThanOrEqual(one?.at ?? Number.POSITIVE_INFINITY);
  });
});
