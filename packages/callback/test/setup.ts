import { readFileSync } from 'node:fs';
import { MemoryRateLimiter, VkApi } from '@vkwire/api-client';
import { VK_API_VERSION } from '@vkwire/core';
import type { VkEventType } from '@vkwire/events-schema';
import { createSandbox, type Sandbox, type SandboxOptions } from '@vkwire/sandbox';
import { type CallbackServer, type ServeCallbackOptions, serveCallback } from '../src/node.js';

/** A fixture of this package's test folder, parsed. */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

/** A sandbox with a fast retry schedule, an API client, and callback servers stopped at the end. */
export interface Rig {
  vk: Sandbox;
  api: VkApi;
  /** Starts an endpoint and registers it as a callback server of the community (confirmed, secret set). */
  serve(
    options: Omit<ServeCallbackOptions, 'groups'> & Partial<Pick<ServeCallbackOptions, 'groups'>>,
    register?: { events?: VkEventType[]; secret?: string; groupId?: number },
  ): Promise<{ server: CallbackServer; serverId: number; secret: string; confirmation: string }>;
  close(): Promise<void>;
}

export async function rig(sandboxOptions: SandboxOptions = {}): Promise<Rig> {
  const vk = await createSandbox({
    rateLimit: false,
    callback: { retryDelaysMs: [20, 20, 20, 20, 20], retryAfterUnitMs: 10, timeoutMs: 2000 },
    ...sandboxOptions,
  });
  const api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    retry: { baseDelayMs: 10 },
    tokenType: 'group',
    requestsPerSecond: 1000,
  });
  const servers: CallbackServer[] = [];
  const apis: VkApi[] = [api];
  return {
    vk,
    api,
    async serve(options, register = {}) {
      const groupId = register.groupId ?? vk.group.id;
      const token = vk.groups.find((group) => group.id === groupId)?.token ?? vk.group.token;
      const groupApi = token === vk.group.token ? api : testApi(vk, token);
      if (groupApi !== api) apis.push(groupApi);
      const { code } = await groupApi.groups.getCallbackConfirmationCode({ group_id: groupId });
      const confirmation = code ?? '';
      const secret = register.secret ?? `secret-${groupId}`;
      const server = await serveCallback({
        groups: [{ groupId, secret, confirmation }],
        ...options,
      });
      servers.push(server);
      const { server_id } = await groupApi.groups.addCallbackServer({
        group_id: groupId,
        url: `${server.url}?source=vk`,
        title: 'test',
        secret_key: secret,
      });
      const flags: Record<string, number> = {};
      for (const type of register.events ?? ['message_new']) flags[type] = 1;
      await groupApi.call('groups.setCallbackSettings', {
        group_id: groupId,
        server_id: server_id ?? 0,
        api_version: VK_API_VERSION,
        ...flags,
      });
      await vk.callback.idle();
      return { server, serverId: server_id ?? 0, secret, confirmation };
    },
    async close() {
      await vk.close();
      await Promise.all(servers.map((server) => server.stop()));
      await Promise.all(apis.map((client) => client.close()));
    },
  };
}

/** An API client for a sandbox token, without the 20 requests/s pacing (the sandbox has no limit here). */
export function testApi(vk: Sandbox, token: string): VkApi {
  return new VkApi({
    token,
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    tokenType: 'group',
    requestsPerSecond: 1000,
  });
}

/** Resolves when `predicate` holds, checking every 5 ms (fails after `timeoutMs`). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise with its resolve function, for handlers a test releases. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
