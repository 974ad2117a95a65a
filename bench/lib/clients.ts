import http from 'node:http';
import type https from 'node:https';
import { MemoryRateLimiter, VkApi } from '@vkwire/api-client';
import { GroupLongPoll, type GroupLongPollOptions } from '@vkwire/longpoll';
import { VK } from 'vk-io';
import type { SandboxProcess } from './sandbox-process.ts';

/** A running consumer of a sandbox's Bots Long Poll. */
export interface Consumer {
  stop(): Promise<void>;
}

/** vkwire's GroupLongPoll with one awaited handler per update; `onEvent` gets `peer_id:cmid`. */
export async function startVkwire(
  sandbox: SandboxProcess,
  onEvent: (messageKey: string) => void | Promise<void>,
  options: Partial<GroupLongPollOptions> = {},
): Promise<Consumer> {
  const api = new VkApi({
    token: sandbox.token,
    baseUrl: sandbox.apiUrl,
    tokenType: 'group',
    rateLimiter: new MemoryRateLimiter(),
  });
  const poll = new GroupLongPoll({ api, groupId: sandbox.groupId, ...options });
  poll.on('message_new', ({ object }) =>
    onEvent(`${object.message.peer_id}:${object.message.conversation_message_id}`),
  );
  await poll.start();
  return {
    stop: async () => {
      await poll.stop();
      await api.close();
    },
  };
}

/** vk-io's updates with one awaited handler per update; `onEvent` gets `peer_id:cmid`. */
export async function startVkio(
  sandbox: SandboxProcess,
  onEvent: (messageKey: string) => void | Promise<void>,
): Promise<Consumer> {
  const agent = new http.Agent({ keepAlive: true });
  const vk = new VK({
    token: sandbox.token,
    apiBaseUrl: sandbox.apiUrl,
    pollingGroupId: sandbox.groupId,
    // vk-io types the agent as https.Agent but needs an http one for a plain-http URL.
    agent: agent as unknown as https.Agent,
  });
  vk.updates.on('message_new', async (context) => {
    await onEvent(`${context.peerId}:${context.conversationMessageId}`);
  });
  await vk.updates.startPolling();
  return {
    stop: async () => {
      await vk.updates.stop();
      agent.destroy();
    },
  };
}

/** The raw client: node:http keep-alive + JSON.parse, nothing else (the ceiling). */
export async function runRaw(sandbox: SandboxProcess, fromTs: string, count: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = new URLSearchParams({
    v: '5.199',
    access_token: sandbox.token,
    group_id: String(sandbox.groupId),
  });
  const server = (
    (await (await fetch(`${sandbox.apiUrl}/groups.getLongPollServer`, { method: 'POST', body })).json()) as {
      response: { server: string; key: string };
    }
  ).response;
  const get = (url: string) =>
    new Promise<string>((resolve, reject) => {
      http
        .get(url, { agent }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        })
        .on('error', reject);
    });
  let ts = fromTs;
  let received = 0;
  let started = 0;
  while (received < count) {
    const answer = JSON.parse(
      await get(`${server.server}?act=a_check&key=${server.key}&ts=${ts}&wait=25`),
    ) as { ts: string; updates: unknown[] };
    if (received === 0) started = performance.now();
    received += answer.updates.length;
    ts = answer.ts;
  }
  agent.destroy();
  return performance.now() - started;
}
