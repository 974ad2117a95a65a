import type { UpdateContext, UpdateHandler } from '@vkwire/core';
import { isUpdateOf, type VkParsedUpdate } from '@vkwire/events-schema';
import { afterEach, describe, expect, test } from 'vitest';
import { CallbackGroups, configureCallbackServer, removeServer, retryLater } from '../src/index.js';
import { serveCallback } from '../src/node.js';
import { fixture, gate, type Rig, rig, testApi, until } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function start(...args: Parameters<typeof rig>): Promise<Rig> {
  current = await rig(...args);
  return current;
}

const textOf = (update: VkParsedUpdate): string =>
  isUpdateOf(update, 'message_new') ? update.object.message.text : `<${update.type}>`;

describe('against the sandbox pusher over HTTP', () => {
  test('VK confirms the endpoint, then every event reaches onUpdate once, typed, without the secret', async () => {
    const { vk, serve, api } = await start();
    const seen: VkParsedUpdate[] = [];
    await serve({ onUpdate: (update) => void seen.push(update) }, { events: ['message_new', 'group_join'] });
    const { items } = await api.groups.getCallbackServers({ group_id: vk.group.id });
    expect(items?.[0]?.status).toBe('ok');
    vk.user(193847562).send('Привет');
    vk.user(193847562).join();
    await vk.callback.idle();
    expect(seen.map((update) => update.type)).toEqual(['message_new', 'group_join']);
    expect(textOf(seen[0] as VkParsedUpdate)).toBe('Привет');
    expect(seen[0]).not.toHaveProperty('secret');
    expect(vk.callback.deliveries({ type: 'message_new' })[0]?.attempts).toEqual([
      expect.objectContaining({ status: 200, answer: 'ok', retryCounter: 0 }),
    ]);
  });

  test("one handler contract: a core UpdateHandler (a bot's handleUpdate) takes callback updates as they are", async () => {
    const { vk, serve } = await start();
    const contexts: UpdateContext[] = [];
    const handleUpdate: UpdateHandler<VkParsedUpdate> = async (_update, context) => {
      contexts.push(context);
    };
    await serve({ onUpdate: handleUpdate });
    vk.user(1).send('through the shared seam');
    await vk.callback.idle();
    const [delivery] = vk.callback.deliveries({ type: 'message_new' });
    expect(contexts).toHaveLength(1);
    const [context] = contexts;
    expect({
      transport: context?.transport,
      groupId: context?.groupId,
      eventId: context?.eventId,
      retryCounter: context?.retryCounter,
      aborted: context?.signal.aborted,
    }).toEqual({
      transport: 'callback',
      groupId: vk.group.id,
      eventId: delivery?.eventId,
      retryCounter: 0,
      aborted: false,
    });
  });

  test('a handler that fails, then succeeds: one successful handling, and the retry counter is visible', async () => {
    const { vk, serve } = await start();
    const counters: number[] = [];
    let handled = 0;
    await serve({
      onUpdate: (_update, context) => {
        counters.push(context.retryCounter);
        if (counters.length < 3) throw new Error('database is down');
        handled += 1;
      },
    });
    vk.user(1).send('once');
    await vk.callback.idle();
    expect(counters).toEqual([0, 1, 2]);
    expect(handled).toBe(1);
    const [delivery] = vk.callback.deliveries({ type: 'message_new' });
    expect(delivery?.status).toBe('delivered');
    // A failure answers 503 with Retry-After: VK's next attempt comes after that delay.
    expect(delivery?.attempts.map((attempt) => [attempt.status, attempt.retryAfter])).toEqual([
      [503, '10'],
      [503, '10'],
      [200, undefined],
    ]);
  });

  test('"ok" only after onUpdate resolved', async () => {
    const { vk, serve } = await start();
    const release = gate();
    let resolvedAt = 0;
    await serve({
      onUpdate: async () => {
        await release.promise;
        resolvedAt = performance.now();
      },
    });
    vk.user(1).send('slow');
    await until(() => vk.callback.deliveries({ type: 'message_new' }).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(vk.callback.deliveries({ type: 'message_new' })[0]?.attempts).toEqual([]);
    release.open();
    await vk.callback.idle();
    expect(resolvedAt).toBeGreaterThan(0);
    expect(vk.callback.deliveries({ type: 'message_new' })[0]?.status).toBe('delivered');
  });

  test('a redelivery while the first handling still runs is not dispatched twice', async () => {
    // VK gives up on the first request after 400 ms and resends; the handler needs 1.2 s. (Wide
    // margins: on a loaded machine a 100 ms VK timeout ran out before the request was read at all.)
    const { vk, serve } = await start({
      callback: { retryDelaysMs: [20, 20, 20, 20, 20, 20], timeoutMs: 400 },
    });
    let calls = 0;
    await serve({
      deadlineMs: 600,
      onUpdate: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 1_200));
      },
    });
    vk.user(1).send('slow and retried');
    await vk.callback.idle();
    expect(calls).toBe(1);
    const [delivery] = vk.callback.deliveries({ type: 'message_new' });
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.attempts.length).toBeGreaterThan(1);
    expect(delivery?.attempts.at(-1)).toMatchObject({ status: 200, answer: 'ok' });
  });

  test('past the deadline VK is asked to retry; the handler keeps its claim and the retry gets its outcome', async () => {
    const { vk, serve } = await start();
    let calls = 0;
    let aborted = false;
    await serve({
      deadlineMs: 50,
      onUpdate: async (_update, { signal }) => {
        calls += 1;
        signal.addEventListener('abort', () => {
          aborted = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 120));
      },
    });
    vk.user(1).send('late');
    await vk.callback.idle();
    expect(calls).toBe(1);
    expect(aborted).toBe(true);
    const attempts = vk.callback.deliveries({ type: 'message_new' })[0]?.attempts ?? [];
    expect(attempts[0]).toMatchObject({ status: 503, retryAfter: '10' });
    expect(attempts.at(-1)).toMatchObject({ status: 200, answer: 'ok' });
  });

  test('retryLater(s) asks VK for a delayed redelivery (Retry-After), which is handled again', async () => {
    const { vk, serve } = await start();
    const counters: number[] = [];
    await serve({
      onUpdate: (_update, { retryCounter }) => {
        counters.push(retryCounter);
        return retryCounter === 0 ? retryLater(7, { status: 429 }) : undefined;
      },
    });
    vk.user(1).send('busy');
    await vk.callback.idle();
    expect(counters).toEqual([0, 1]);
    const [first] = vk.callback.deliveries({ type: 'message_new' })[0]?.attempts ?? [];
    // The sandbox runs 10 ms per Retry-After second in these tests.
    expect(first).toMatchObject({ status: 429, retryAfter: '7', nextDelayMs: 70 });
  });

  test('removeServer() answers "remove" and VK deletes the server', async () => {
    const { vk, serve, api } = await start();
    await serve({ onUpdate: () => removeServer() });
    vk.user(1).send('decommission');
    await vk.callback.idle();
    expect(await api.groups.getCallbackServers({ group_id: vk.group.id })).toEqual({ count: 0, items: [] });
  });

  test('events of one server are handled in order', async () => {
    const { vk, serve } = await start();
    const texts: string[] = [];
    await serve({ onUpdate: (update) => void texts.push(textOf(update)) });
    for (let index = 0; index < 20; index += 1) vk.user(1 + (index % 4)).send(`m${index}`);
    await vk.callback.idle();
    expect(texts).toEqual(Array.from({ length: 20 }, (_, index) => `m${index}`));
  });

  test('wrong or missing secret: no dispatch, 403, and a server sending the wrong one is not confirmed', async () => {
    const { vk, serve, api } = await start();
    let calls = 0;
    const { server, serverId } = await serve({
      onUpdate: () => {
        calls += 1;
      },
    });
    const forged = fixture('callback/wrong_secret.request.json');
    for (const body of [
      { ...forged, group_id: vk.group.id },
      { ...forged, group_id: vk.group.id, secret: undefined },
    ]) {
      const response = await fetch(`${server.url}?from=vk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([response.status, await response.text()]).toEqual([403, 'bad secret']);
    }
    // The community's server now sends another secret: VK's confirmation is refused too.
    const [record] = (await api.groups.getCallbackServers({ group_id: vk.group.id })).items ?? [];
    await api.groups.editCallbackServer({
      group_id: vk.group.id,
      server_id: serverId,
      url: record?.url ?? '',
      title: 'test',
      secret_key: 'a-different-secret',
    });
    await vk.callback.idle();
    const [after] = (await api.groups.getCallbackServers({ group_id: vk.group.id })).items ?? [];
    expect(after?.status).toBe('failed');
    expect(vk.callback.deliveries({ type: 'confirmation' }).at(-1)?.attempts[0]).toMatchObject({
      status: 403,
      answer: 'bad secret',
    });
    vk.user(1).send('never delivered');
    await vk.callback.idle();
    expect(calls).toBe(0);
  });

  test('several communities on one endpoint, each with its own keys, routed by group_id', async () => {
    const { vk, api } = await start({ groups: [{ id: 1001 }, { id: 1002 }] });
    const seen: Array<[number, string]> = [];
    const groups = new CallbackGroups();
    const server = await serveCallback({
      groups,
      onUpdate: (update, context) => void seen.push([context.groupId, textOf(update)]),
    });
    try {
      for (const group of vk.groups) {
        const groupApi = group.id === vk.group.id ? api : testApi(vk, group.token);
        await configureCallbackServer(groupApi, {
          url: server.url,
          groupId: group.id,
          events: ['message_new'],
          groups,
        });
        if (groupApi !== api) await groupApi.close();
      }
      await vk.callback.idle();
      vk.user(7).send('to 1001', { groupId: 1001 });
      vk.user(7).send('to 1002', { groupId: 1002 });
      await vk.callback.idle();
      expect(seen.sort()).toEqual([
        [1001, 'to 1001'],
        [1002, 'to 1002'],
      ]);
      expect(groups.get(1001)?.secret).not.toBe(groups.get(1002)?.secret);
    } finally {
      await server.stop();
    }
  });

  test('stop() waits for handlers in flight, then resolves with nothing abandoned', async () => {
    const { vk, serve } = await start();
    let finished = false;
    const started = gate();
    const { server } = await serve({
      onUpdate: async () => {
        started.open();
        await new Promise((resolve) => setTimeout(resolve, 100));
        finished = true;
      },
    });
    vk.user(1).send('x');
    await started.promise;
    expect(await server.stop()).toEqual({ abandoned: 0 });
    expect(finished).toBe(true);
  });
});
