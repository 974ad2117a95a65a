import { createSandbox, type Sandbox, type SandboxOptions } from '@vkwire/sandbox';
import { type VkApi, VkApi as VkApiClient, type VkApiOptions } from '../src/index.js';

/** A sandbox and a client of its community, closed together. */
export interface Rig {
  vk: Sandbox;
  api: VkApi;
  close(): Promise<void>;
}

/** Starts a sandbox and a VkApi pointed at it (a private limiter per rig, so tests do not share pacing). */
export async function rig(
  options: Partial<VkApiOptions> = {},
  sandboxOptions: SandboxOptions = {},
): Promise<Rig> {
  const vk = await createSandbox(sandboxOptions);
  const { MemoryRateLimiter } = await import('../src/index.js');
  const api = new VkApiClient({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    ...options,
  });
  return {
    vk,
    api,
    close: async () => {
      await api.close();
      await vk.close();
    },
  };
}
