import http from 'node:http';
import type https from 'node:https';
import { createSandbox } from '@vkwire/sandbox';
import { expect, test } from 'vitest';
import { VK } from 'vk-io';

test('a vk-io bot pointed at the sandbox polls, receives "ping" and answers "pong"', async () => {
  const vk = await createSandbox();
  const agent = new http.Agent({ keepAlive: true });
  const bot = new VK({
    token: vk.group.token,
    apiBaseUrl: vk.apiUrl,
    // vk-io types the agent as https.Agent but needs an http one for a plain-http URL.
    agent: agent as unknown as https.Agent,
    pollingGroupId: vk.group.id,
  });
  const answered = new Promise<void>((resolve) => {
    bot.updates.on('message_new', async (context) => {
      if (context.text === 'ping') {
        await context.send('pong');
        resolve();
      }
    });
  });
  try {
    await bot.updates.startPolling();
    const ping = vk.user(193847562).send('ping');
    await answered;
    const [pong] = vk.sent({ peer: 193847562 });
    expect(pong).toMatchObject({ text: 'pong', peerId: 193847562 });
    expect(pong?.cmid).toBe(ping.cmid + 1);
    expect(vk.rateLimited()).toBe(0);
  } finally {
    await bot.updates.stop();
    agent.destroy();
    await vk.close();
  }
});
