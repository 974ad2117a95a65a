import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VkApi } from '@vkwire/api-client';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { cleanup, memoryLogger, sandbox, track } from './helpers.js';

const USER = 193847562;

/** A port nothing listens on now (for a publicUrl known before the server starts). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('serve() with publicUrl registers a callback server per community with exactly the handled types, and answers over it', async () => {
  const vk = await sandbox();
  const second = vk.addGroup({ name: 'Second' });
  const log = memoryLogger();
  const bot = new Bot({
    communities: [vk.group.token, second.token],
    baseUrl: vk.apiUrl,
    logger: log.logger,
  });
  const seen = track(bot);
  bot.command('ping', (ctx) => `pong from ${ctx.groupId}`);
  bot.on('group_join', (ctx) =>
    ctx.api.messages.send({ user_id: ctx.update.object.user_id, message: 'welcome' }),
  );
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/vk`;
  const { url } = await bot.serve({ port, path: '/vk', publicUrl });
  cleanup(() => bot.stop());
  expect(url).toBe(publicUrl);
  await vk.callback.idle();

  for (const group of [vk.group, second]) {
    const api = bot.apiOf(group.id);
    const { items } = await (api as NonNullable<typeof api>).groups.getCallbackServers({
      group_id: group.id,
    });
    expect(items).toEqual([expect.objectContaining({ url: publicUrl, status: 'ok' })]);
    const settings = (await api?.call('groups.getCallbackSettings', {
      group_id: group.id,
      server_id: items?.[0]?.id,
    })) as {
      events: Record<string, number>;
    };
    expect(Object.keys(settings.events).filter((type) => settings.events[type] === 1)).toEqual([
      'message_new',
      'group_join',
    ]);
  }

  vk.user(USER).send('/ping');
  vk.user(USER).send('/ping', { groupId: second.id });
  vk.user(USER).join(second.id);
  await seen.until(3);
  expect(vk.sent({ groupId: vk.group.id }).map((message) => message.text)).toEqual([
    `pong from ${vk.group.id}`,
  ]);
  expect(
    vk
      .sent({ groupId: second.id })
      .map((message) => message.text)
      .sort(),
  ).toEqual([`pong from ${second.id}`, 'welcome']);
  expect(log.errors).toEqual([]);
});

test('webhook(): the fetch endpoint confirms, checks the secret, and routes by group_id', async () => {
  const vk = await sandbox();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    groupId: vk.group.id,
    secret: 's3cret',
    confirmation: 'c0ffee',
  });
  const seen = track(bot);
  bot.command('ping', () => 'pong');
  const webhook = bot.webhook();
  await bot.start();
  cleanup(() => bot.stop());
  const post = (body: object) =>
    webhook.fetch(
      new Request('http://bot.example/vk', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );

  const confirm = await post({ type: 'confirmation', group_id: vk.group.id });
  expect(await confirm.text()).toBe('c0ffee');
  vk.user(USER).send('/ping');
  const [update] = vk.events().slice(-1);
  const wrongSecret = await post({ ...update, secret: 'nope' });
  expect(wrongSecret.status).not.toBe(200);
  const ok = await post({ ...update, secret: 's3cret' });
  expect(await ok.text()).toBe('ok');
  await seen.until(1);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['pong']);
  // A redelivery of the same event_id is not handled twice.
  expect(await (await post({ ...update, secret: 's3cret' })).text()).toBe('ok');
  expect(vk.sent({ peer: USER })).toHaveLength(1);

  await bot.stop();
  const late = await post({ ...update, event_id: 'another', secret: 's3cret' });
  expect(late.status).toBe(503);
});

test('webhook().node serves VK’s pushes from a node:http server', async () => {
  const vk = await sandbox();
  const setup = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl });
  cleanup(() => setup.close());
  const { code } = await setup.groups.getCallbackConfirmationCode({ group_id: vk.group.id });
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, confirmation: code });
  const seen = track(bot);
  bot.hears(/^hello/i, () => 'hi!');
  const webhook = bot.webhook();
  const server = createServer(webhook.node);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup(() => new Promise((resolve) => server.close(resolve)));
  await bot.start();
  cleanup(() => bot.stop());
  const { port } = server.address() as AddressInfo;
  const { server_id } = await setup.groups.addCallbackServer({
    group_id: vk.group.id,
    url: `http://127.0.0.1:${port}/`,
    title: 'bot',
  });
  await setup.groups.setCallbackSettings({
    group_id: vk.group.id,
    server_id,
    message_new: 1,
    api_version: '5.199',
  });
  await vk.callback.idle();
  vk.user(USER).send('Hello bot');
  await seen.until(1);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['hi!']);
});

test('many communities over long poll: each update is handled with its community’s API and id', async () => {
  const vk = await sandbox();
  const second = vk.addGroup({ name: 'Second' });
  const bot = new Bot({
    communities: [{ token: vk.group.token }, { token: second.token }],
    baseUrl: vk.apiUrl,
    longPoll: { wait: 1 },
  });
  const seen = track(bot);
  bot.command('who', (ctx) => `group ${ctx.groupId}`);
  await bot.start();
  cleanup(() => bot.stop());
  expect(bot.groupIds.sort()).toEqual([vk.group.id, second.id].sort());
  vk.user(USER).send('/who');
  vk.user(USER).send('/who', { groupId: second.id });
  await seen.until(2);
  expect(vk.sent({ groupId: vk.group.id }).map((message) => message.text)).toEqual([`group ${vk.group.id}`]);
  expect(vk.sent({ groupId: second.id }).map((message) => message.text)).toEqual([`group ${second.id}`]);
});

test('one webhook for two communities: plain entries inherit the app keys, others keep their own', async () => {
  const vk = await sandbox();
  const second = vk.addGroup({ name: 'Second' });
  const bot = new Bot({
    communities: [
      { token: vk.group.token, groupId: vk.group.id },
      { token: second.token, groupId: second.id, secret: 'own', confirmation: 'beef' },
    ],
    baseUrl: vk.apiUrl,
    secret: 'app',
    confirmation: 'c0de',
  });
  const seen = track(bot);
  bot.command('who', (ctx) => `group ${ctx.groupId}`);
  const webhook = bot.webhook();
  await bot.start();
  cleanup(() => bot.stop());
  const post = async (body: object) =>
    (
      await webhook.fetch(
        new Request('http://bot.example/vk', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      )
    ).text();
  expect(await post({ type: 'confirmation', group_id: vk.group.id })).toBe('c0de');
  expect(await post({ type: 'confirmation', group_id: second.id })).toBe('beef');
  vk.user(USER).send('/who');
  vk.user(USER).send('/who', { groupId: second.id });
  const [first, other] = vk.events().concat(vk.events(second.id));
  expect(await post({ ...other, secret: 'app' })).not.toBe('ok');
  expect(await post({ ...first, secret: 'app' })).toBe('ok');
  expect(await post({ ...other, secret: 'own' })).toBe('ok');
  await seen.until(2);
  expect(vk.sent({ groupId: vk.group.id }).map((message) => message.text)).toEqual([`group ${vk.group.id}`]);
  expect(vk.sent({ groupId: second.id }).map((message) => message.text)).toEqual([`group ${second.id}`]);
});

test('a webhook mounted in your own node:http server: `path` answers there only, `publicUrl` runs AutoSetting at start', async () => {
  const vk = await sandbox();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  const seen = track(bot);
  bot.command('ping', () => 'pong');
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/hooks/vk`;
  const webhook = bot.webhook({ path: '/hooks/vk', publicUrl });
  const server = createServer((request, response) => {
    if (request.url === '/health') response.end('ok');
    else webhook.node(request, response);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanup(async () => {
    await bot.stop();
    await new Promise((resolve) => server.close(resolve));
  });
  await bot.start();
  await vk.callback.idle();
  const { items } = await bot.api.groups.getCallbackServers({ group_id: vk.group.id });
  expect(items).toEqual([expect.objectContaining({ url: publicUrl, status: 'ok' })]);

  vk.user(USER).send('/ping');
  await seen.until(1);
  expect(vk.sent({ peer: USER }).map((message) => message.text)).toEqual(['pong']);
  const elsewhere = await fetch(`http://127.0.0.1:${port}/other`, { method: 'POST', body: '{}' });
  expect(elsewhere.status).toBe(404);
  const viaFetch = await webhook.fetch(
    new Request(`http://127.0.0.1:${port}/nope`, { method: 'POST', body: '{}' }),
  );
  expect(viaFetch.status).toBe(404);
  expect(() => new Bot({ token: 't', confirmation: 'c' }).webhook({ path: 'vk' })).toThrow(
    expect.objectContaining({ option: 'path' }),
  );
});
