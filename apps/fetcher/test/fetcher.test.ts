import { createMemoryNameResolver } from '@vkwire/events-schema';
import { createSandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { createClient } from 'redis';
import { expect, test } from 'vitest';
import { busEvents, testFetcher, textOf, uniqueStream, until } from './helpers.js';

test('updates arrive on the bus normalized, in order per conversation, with the checkpoint after them', async () => {
  await using vk = await createSandbox();
  const stream = uniqueStream();
  const fetcher = testFetcher({
    tokens: [vk.group.token],
    apiBaseUrl: vk.apiUrl,
    stream,
    resolver: () =>
      createMemoryNameResolver({
        users: [
          [193847562, { name: 'Анна Смирнова', firstname: 'Анна', lastname: 'Смирнова', nick: 'anna' }],
        ],
      }),
  });
  fetcher.start();
  await until(() => fetcher.status().ready);
  expect(fetcher.status().communities).toMatchObject([{ groupId: vk.group.id, role: 'leader' }]);
  const anna = vk.user(193847562);
  anna.send('hello');
  anna.send('/help me');
  for (let i = 0; i < 20; i++) anna.send(`n${i}`);
  await until(async () => (await busEvents(stream, 4)).length === 22);
  const events = await busEvents(stream, 4);
  expect(events[0]).toMatchObject({
    event_type: 'message',
    group_id: vk.group.id,
    peer: { bpid: 193847562, cid: null },
    user: { uuid: 193847562, name: 'Анна Смирнова', nick: 'anna' },
    message: { text: 'hello' },
  });
  expect(events[1]).toMatchObject({ event_type: 'command', message: { text: '/help me' } });
  expect(events.slice(2).map((event) => textOf(event))).toEqual(
    Array.from({ length: 20 }, (_, i) => `n${i}`),
  );
  await fetcher.stop();
  expect(fetcher.status().communities[0]?.role).toBe('stopped');
});

test('a restarted fetcher resumes from the checkpoint: what was sent while it was down arrives, nothing twice', async () => {
  await using vk = await createSandbox();
  const stream = uniqueStream();
  const options = { tokens: [vk.group.token], apiBaseUrl: vk.apiUrl, stream, keyPrefix: `${stream}:` };
  const first = testFetcher(options);
  first.start();
  await until(() => first.status().ready);
  const anna = vk.user(193847562);
  for (let i = 0; i < 10; i++) anna.send(`a${i}`);
  await until(async () => (await busEvents(stream, 4)).length === 10);
  await first.stop();
  for (let i = 0; i < 10; i++) anna.send(`b${i}`);
  const second = testFetcher(options);
  second.start();
  await until(async () => (await busEvents(stream, 4)).length >= 20);
  await second.stop();
  const texts = (await busEvents(stream, 4)).map((event) => textOf(event));
  expect(texts).toEqual([
    ...Array.from({ length: 10 }, (_, i) => `a${i}`),
    ...Array.from({ length: 10 }, (_, i) => `b${i}`),
  ]);
});

test('one poller per community: a second fetcher stands by and takes over when the first stops', async () => {
  await using vk = await createSandbox();
  const stream = uniqueStream();
  const options = { tokens: [vk.group.token], apiBaseUrl: vk.apiUrl, stream, keyPrefix: `${stream}:` };
  const first = testFetcher(options);
  const second = testFetcher(options);
  first.start();
  await until(() => first.status().ready);
  second.start();
  await until(() => second.status().communities[0]?.role === 'standby');
  expect(second.status().ready).toBe(true); // standing by is ready
  const anna = vk.user(193847562);
  for (let i = 0; i < 30; i++) anna.send(`m${i}`);
  const stopping = first.stop();
  for (let i = 30; i < 60; i++) anna.send(`m${i}`);
  await stopping;
  await until(() => second.status().communities[0]?.role === 'leader', 5000);
  await until(async () => (await busEvents(stream, 4)).length >= 60);
  await second.stop();
  const texts = (await busEvents(stream, 4)).map((event) => textOf(event));
  expect(texts).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
});

test('a fleet spreads its communities: fetchers started later get their share, one that stops leaves it to the others', async () => {
  await using vk = await createSandbox();
  const groups = [vk.group, ...Array.from({ length: 5 }, () => vk.addGroup())];
  const stream = uniqueStream();
  const options = {
    tokens: groups.map((group) => group.token),
    apiBaseUrl: vk.apiUrl,
    stream,
    keyPrefix: `${stream}:`,
    leaseMs: 1500,
  };
  const leading = (fetcher: ReturnType<typeof testFetcher>) =>
    fetcher.status().communities.filter((community) => community.role === 'leader').length;
  const first = testFetcher(options);
  first.start();
  // Alone, it polls every community.
  await until(() => leading(first) === 6);
  const second = testFetcher(options);
  const third = testFetcher(options);
  second.start();
  third.start();
  // Two more start: each ends with two, handed over by the first.
  await until(() => leading(first) === 2 && leading(second) === 2 && leading(third) === 2, 20_000);
  for (const fetcher of [first, second, third]) expect(fetcher.status().ready).toBe(true);
  // Every community is polled by exactly one of them: each message is on the bus once.
  for (const [index, group] of groups.entries()) vk.user(193847562).send(`g${index}`, { groupId: group.id });
  await until(async () => (await busEvents(stream, 4)).length === 6);
  await third.stop();
  await until(() => leading(first) === 3 && leading(second) === 3, 20_000);
  for (const [index, group] of groups.entries()) vk.user(193847562).send(`h${index}`, { groupId: group.id });
  await until(async () => (await busEvents(stream, 4)).length === 12);
  await Promise.all([first.stop(), second.stop()]);
  const texts = (await busEvents(stream, 4)).map((event) => textOf(event)).sort();
  expect(texts).toEqual([...groups.map((_, i) => `g${i}`), ...groups.map((_, i) => `h${i}`)].sort());
});

test('stop() ends the fleet count: the fetcher leaves the fleet at once and marks itself alive no more', async () => {
  await using vk = await createSandbox();
  const stream = uniqueStream();
  const prefix = `${stream}:`;
  // leaseMs 1200: a count every 200 ms while it runs.
  const fetcher = testFetcher({
    tokens: [vk.group.token],
    apiBaseUrl: vk.apiUrl,
    stream,
    keyPrefix: prefix,
    leaseMs: 1200,
  });
  const redis = createClient({ url: redisUrl() });
  await redis.connect();
  try {
    fetcher.start();
    await until(() => fetcher.status().ready);
    const [fleetKey] = await redis.keys(`${prefix}fleet:*`);
    expect(fleetKey).toBeDefined();
    expect(await redis.zCard(fleetKey as string)).toBe(1);
    await fetcher.stop();
    expect(await redis.zCard(fleetKey as string)).toBe(0);
    // Three count periods later nothing has marked it alive again.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await redis.zCard(fleetKey as string)).toBe(0);
  } finally {
    await redis.close();
  }
});
