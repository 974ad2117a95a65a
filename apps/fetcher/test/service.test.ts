// The service as a child process: sandbox + real Redis + `src/main.ts`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tokenFingerprint, VkApi } from '@vkwire/api-client';
import type { VkwireEvent } from '@vkwire/events-schema';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, expect, test } from 'vitest';
import { busEvents, freshGroupId, textOf, uniqueStream, until } from './helpers.js';
import { killLeftovers, spawnService, terminate } from './service.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@vkwire/events-schema/event.schema.json'), 'utf8'));
const validate = new Ajv2020({ strict: false }).compile(schema);

afterEach(killLeftovers);

/** The service on `vk`'s community, publishing to `stream` (4 partitions), once it polls. */
async function pollingService(vk: Sandbox, stream: string) {
  const service = spawnService({
    VK_TOKEN: vk.group.token,
    VK_API_URL: vk.apiUrl,
    REDIS_URL: redisUrl(),
    BUS_STREAM: stream,
    BUS_PARTITIONS: '4',
    LP_WAIT: '1',
  });
  const http = await service.http;
  await service.logged('fetcher: polling the community');
  return { service, http };
}

test('each event type arrives on the bus normalized, names filled, valid against the committed JSON Schema', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const stream = uniqueStream();
  const { service, http } = await pollingService(vk, stream);

  const anna = vk.user(193847562, { firstName: 'Анна', lastName: 'Смирнова', screenName: 'anna' });
  const boris = vk.user(284756193, { firstName: 'Борис', lastName: 'Петров', screenName: 'boris' });
  const chat = vk.createChat({ title: 'Бодрое утро', members: [anna.id, boris.id] });
  anna.send('hello');
  anna.send('/start now');
  boris.send('!ping', { peerId: chat.peerId });
  anna.send('menu', { payload: { cmd: 'menu' } });
  const api = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl });
  const cmid = await api.messages.send({ peer_id: anna.id, message: 'pick one', random_id: 0 });
  anna.pressCallbackButton(anna.id, Number(cmid), { like: 1 });
  anna.react(anna.id, Number(cmid), 3);
  anna.typing();
  anna.denyMessages();
  anna.allowMessages();
  boris.join();
  boris.leave();
  await api.close();

  const wanted = [
    'message',
    'command',
    'button',
    'reaction',
    'typing',
    'allow',
    'deny',
    'join',
    'leave',
    'reply',
    'service',
  ] as const;
  let events: VkwireEvent[] = [];
  await until(async () => {
    events = await busEvents(stream, 4);
    return wanted.every((type) => events.some((event) => event.event_type === type));
  });
  for (const event of events)
    expect(validate(JSON.parse(JSON.stringify(event))), event.event_type).toBe(true);
  const of = (type: VkwireEvent['event_type']) => events.filter((event) => event.event_type === type);
  expect(of('message')[0]).toMatchObject({
    user: { uuid: anna.id, name: 'Анна Смирнова', firstname: 'Анна', lastname: 'Смирнова', nick: 'anna' },
    peer: { bpid: anna.id, cid: null, name: 'Анна Смирнова' },
    message: { text: 'hello' },
  });
  // Different conversations may land in different partitions: no order between them.
  expect(
    of('command')
      .map((event) => textOf(event))
      .sort(),
  ).toEqual(['!ping', '/start now']);
  expect(of('command').find((event) => textOf(event) === '!ping')).toMatchObject({
    peer: { bpid: chat.peerId, cid: chat.peerId - 2_000_000_000, name: 'Бодрое утро' },
    user: { uuid: boris.id, name: 'Борис Петров' },
  });
  expect(of('message').find((event) => textOf(event) === 'menu')).toMatchObject({
    message: { payload: { cmd: 'menu' } },
  });
  expect(of('button')[0]).toMatchObject({
    button: { payload: { like: 1 } },
    user: { name: 'Анна Смирнова' },
  });
  expect(of('reaction')[0]).toMatchObject({ reaction: { rid: 3 } });
  expect(of('reply')[0]).toMatchObject({ message: { text: 'pick one' } });
  for (const event of events) if (event.user) expect(event.user.name, event.event_type).not.toBeNull();

  expect((await fetch(`${http}/healthz`)).status).toBe(200);
  const ready = await fetch(`${http}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ ready: true, redis: 'up', communities: [{ role: 'leader' }] });
  const metrics = await (await fetch(`${http}/metrics`)).text();
  expect(metrics).toMatch(/vkwire_fetcher_events_published_total\{event_type="command"\} 2/);
  expect(metrics).toContain(`vkwire_fetcher_leader{group_id="${vk.group.id}"} 1`);

  const { code, ms } = await terminate(service);
  expect(code).toBe(0);
  expect(ms).toBeLessThan(10_000);
  expect(JSON.stringify(service.logs) + service.stderr()).not.toContain(vk.group.token);
});

test('a malformed update is skipped, logged and counted as received; the rest of its answer is published', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const stream = uniqueStream();
  const { service, http } = await pollingService(vk, stream);
  const anna = vk.user(193847562);
  anna.send('before');
  vk.emitEvent('message_new', { message: 'not an object' });
  anna.send('after');
  await until(async () => (await busEvents(stream, 4)).length === 2);
  expect((await busEvents(stream, 4)).map(textOf)).toEqual(['before', 'after']);
  const skipped = await service.logged('fetcher: skipped a malformed update from VK');
  expect(skipped).toMatchObject({ level: 50, groupId: vk.group.id });
  // received − published shows the operator what was skipped
  const metrics = await (await fetch(`${http}/metrics`)).text();
  expect(metrics).toContain('vkwire_fetcher_updates_received_total{update_type="message_new"} 3');
  expect(metrics).toContain('vkwire_fetcher_events_published_total{event_type="message"} 2');
  expect((await terminate(service)).code).toBe(0);
});

test('VK errors a retry absorbed are counted by code: an error 6 storm shows in vk_api_errors_total', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const stream = uniqueStream();
  const { service, http } = await pollingService(vk, stream);
  // The next two API calls (the name lookup of a new user) meet error 6; the third gets through.
  vk.faults.apiError(6, { times: 2 });
  vk.user(193847562, { firstName: 'Анна', lastName: 'Смирнова' }).send('hello');
  await until(async () => (await busEvents(stream, 4)).length === 1);
  const [event] = await busEvents(stream, 4);
  expect(event?.user?.firstname).toBe('Анна'); // the name came through the retries
  const metrics = await (await fetch(`${http}/metrics`)).text();
  expect(metrics).toContain('vkwire_fetcher_vk_api_errors_total{code="6"} 2');
  expect((await terminate(service)).code).toBe(0);
});

test('a token VK refuses (error 5): one clear line, exit 1, the token never printed', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const token = 'vk1.a.not-a-real-token-at-all';
  const service = spawnService({ VK_TOKEN: token, VK_API_URL: vk.apiUrl, REDIS_URL: redisUrl() });
  const { code } = await service.exited;
  expect(code).toBe(1);
  const fatal = service.logs.find((line) => line.level === 60);
  expect(fatal?.msg).toMatch(/VK refused a token \(error 5/);
  expect(JSON.stringify(service.logs) + service.stderr()).not.toContain(token);
});

test('several tokens and VK refuses one: the fatal line says which (its place in VK_TOKEN and fingerprint)', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const bad = 'vk1.a.revoked-token-of-the-second-community';
  const service = spawnService({
    VK_TOKEN: `${vk.group.token},${bad}`,
    VK_API_URL: vk.apiUrl,
    REDIS_URL: redisUrl(),
    BUS_STREAM: uniqueStream(),
  });
  const { code } = await service.exited;
  expect(code).toBe(1);
  const fatal = service.logs.find((line) => line.level === 60);
  expect(fatal?.msg).toMatch(/VK refused .*\(error 5/);
  expect(fatal?.msg).toContain('token 2 of 2 in VK_TOKEN');
  expect(fatal?.msg).toContain(tokenFingerprint(bad));
  expect(fatal?.msg).not.toContain(tokenFingerprint(vk.group.token));
  expect(JSON.stringify(service.logs) + service.stderr()).not.toContain(bad);
});

test('a token VK refuses while polling: one fatal line naming the community and the token, exit 1', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const service = spawnService({
    VK_TOKEN: vk.group.token,
    VK_API_URL: vk.apiUrl,
    REDIS_URL: redisUrl(),
    BUS_STREAM: uniqueStream(),
    LP_WAIT: '1',
  });
  await service.logged('fetcher: polling the community');
  // The token revoked: the Long Poll key expires and VK refuses the token a new one.
  vk.faults.apiError(5, { method: 'groups.getLongPollServer', times: 100 });
  vk.faults.longPollFailed(2);
  const { code } = await service.exited;
  expect(code).toBe(1);
  const fatal = service.logs.filter((line) => line.level === 60);
  expect(fatal).toHaveLength(1);
  expect(fatal[0]?.msg).toContain(`community ${vk.group.id}`);
  expect(fatal[0]?.msg).toContain(`VK_TOKEN (fingerprint ${tokenFingerprint(vk.group.token)})`);
  expect(fatal[0]?.msg).toMatch(/VK error 5/);
});

test('bad configuration: every problem named on stderr, exit 2, no stack trace', async () => {
  const service = spawnService({ BUS_PARTITIONS: 'many', LEASE_MS: '5', REDIS_URL: 'http://nope' });
  const { code } = await service.exited;
  expect(code).toBe(2);
  const stderr = service.stderr();
  for (const name of ['VK_TOKEN', 'BUS_PARTITIONS', 'LEASE_MS', 'REDIS_URL']) expect(stderr).toContain(name);
  expect(stderr).not.toMatch(/\n\s+at /);
});

test('a token without access to the configured community: one line naming the setting, exit 1', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }, { id: freshGroupId() }] });
  const other = vk.groups[1]?.id as number;
  const service = spawnService({
    VK_TOKEN: vk.group.token,
    VK_GROUP_ID: String(other),
    VK_API_URL: vk.apiUrl,
    REDIS_URL: redisUrl(),
    BUS_STREAM: uniqueStream(),
  });
  const { code } = await service.exited;
  expect(code).toBe(1);
  const fatal = service.logs.find((line) => line.level === 60);
  expect(fatal?.msg).toMatch(new RegExp(`community ${other}: .*Manage → API usage`));
});
