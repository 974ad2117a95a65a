import { createMemoryNameResolver } from '@vkwire/events-schema';
import { createSandbox } from '@vkwire/sandbox';
import { expect, test } from 'vitest';
import { busEvents, testFetcher, uniqueStream, until } from './helpers.js';

test('updates arrive on the bus normalized, in order per conversation, with the checkpoint after them', async () => {
  await using vk = await createSandbox();
  const stream = uniqueStream();
  const fetcher = testFetcher({
    tokens: [vk.group.token],
    apiBaseUrl: vk.apiUrl,
    stream,
    resolver: () =>
      createMemoryNameResolver({
        users: [[193847562, { name: 'Анна Смирнова', firstname: 'Анна', lastname: 'Смирнова', nick: 'anna' }]],
      }),
  });
  fetcher.start();
  await until(() => fetcher.status().ready);
  expect(fetcher.status().communities).toEqual([{ groupId: vk.group.id, role: 'leader' }]);
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
  expect(events.slice(2).map((event) => event.message?.text)).toEqual(
    Array.from({ length: 20 }, (_, i) => `n${i}`),
  );
  await fetcher.stop();
  expect(fetcher.status().communities[0]?.role).toBe('stopped');
});
