import { Hono } from 'hono';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { cleanup, sandbox, track } from './helpers.js';

test('webhook().fetch mounted in an existing hono app', async () => {
  const vk = await sandbox();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, confirmation: 'c0de', secret: 'k' });
  const seen = track(bot);
  const transports: string[] = [];
  bot.command('ping', (ctx) => {
    transports.push(`${ctx.transport} ${ctx.delivery.eventId} ${ctx.delivery.retryCounter}`);
    return 'pong';
  });
  const webhook = bot.webhook();
  const app = new Hono();
  app.get('/health', (c) => c.text('fine'));
  app.post('/vk', (c) => webhook.fetch(c.req.raw));
  await bot.start();
  cleanup(() => bot.stop());
  const post = (body: object) =>
    app.request('/vk', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect(await (await post({ type: 'confirmation', group_id: vk.group.id })).text()).toBe('c0de');
  vk.user(1).send('/ping');
  const [update] = vk.events();
  expect(await (await post({ ...update, secret: 'k' })).text()).toBe('ok');
  await seen.until(1);
  expect(vk.sent({ peer: 1 }).map((message) => message.text)).toEqual(['pong']);
  expect(await (await app.request('/health')).text()).toBe('fine');
  expect(transports).toEqual([`callback ${update?.event_id} 0`]);
});
