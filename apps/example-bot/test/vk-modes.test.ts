import { createServer } from 'node:net';
import { createSandbox } from '@vkwire/sandbox';
import { describe, expect, test } from 'vitest';
import { cleanup, reply } from './helpers.js';
import { freePort, spawnMain } from './process.js';

// A sandbox process stands in for VK: VK_API_URL points the "real VK" modes at it.
describe('on VK (VK_TOKEN), tried against a sandbox', () => {
  test('long poll: the same bot answers; SIGTERM stops it with exit 0', async () => {
    const vk = await createSandbox({ rateLimit: false });
    cleanup(() => vk.close());
    const main = spawnMain({ VK_TOKEN: vk.group.token, VK_API_URL: vk.apiUrl });
    await main.printed(/on VK over Bots Long Poll/);

    vk.user(7).send('/sum 20 22');
    await reply(vk, 7, '20 + 22 = 42');

    main.child.kill('SIGTERM');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.stderr()).toBe('');
  });

  test('PUBLIC_URL: the Callback API with AutoSetting (the bot registers its server)', async () => {
    const vk = await createSandbox({ rateLimit: false });
    cleanup(() => vk.close());
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/callback`;
    const main = spawnMain({
      VK_TOKEN: vk.group.token,
      VK_API_URL: vk.apiUrl,
      PORT: String(port),
      PUBLIC_URL: publicUrl,
    });
    await main.printed(/Callback API at .*, registered with VK as /);
    expect(vk.calls({ method: 'groups.addCallbackServer' }).length).toBe(1);

    vk.user(7).send('/sum 1 2');
    await reply(vk, 7, '1 + 2 = 3');
    expect(vk.callback.deliveries({ type: 'message_new' }).length).toBeGreaterThan(0);

    main.child.kill('SIGTERM');
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.stderr()).toBe('');
  });

  test('PUBLIC_URL with a busy PORT is one line and exit code 1', async () => {
    const vk = await createSandbox({ rateLimit: false });
    cleanup(() => vk.close());
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    cleanup(() => new Promise((resolve) => blocker.close(resolve)));
    const { port } = blocker.address() as { port: number };
    const main = spawnMain({
      VK_TOKEN: vk.group.token,
      VK_API_URL: vk.apiUrl,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}/callback`,
    });
    expect(await main.exited).toEqual({ code: 1, signal: null });
    expect(main.stderr()).toBe(
      `example-bot: port ${port} is already in use; set PORT to another one (PORT=0: any free port)\n`,
    );
  });
});
