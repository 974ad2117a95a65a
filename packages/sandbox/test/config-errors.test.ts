import { VkwireConfigError } from '@vkwire/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/index.js';

// Bad options are VkwireConfigError (code 'invalid_option') naming the option, thrown before anything
// starts, instead of bare Errors or a RangeError from node:net.

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((vk) => vk.close()));
});

async function started(options?: SandboxOptions): Promise<Sandbox> {
  const vk = await createSandbox(options);
  open.push(vk);
  return vk;
}

async function configError(run: () => unknown): Promise<VkwireConfigError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof VkwireConfigError) return error;
    throw new Error(`expected a VkwireConfigError, got ${String(error)}`);
  }
  throw new Error('expected a VkwireConfigError, nothing was thrown');
}

describe('createSandbox rejects bad options with a VkwireConfigError naming the option', () => {
  test.each([
    [{ port: 70_000 }, 'port'],
    [{ port: -1 }, 'port'],
    [{ hostname: '' }, 'hostname'],
    [{ longPoll: { maxBatch: 0 } }, 'longPoll.maxBatch'],
    [{ longPoll: { historySize: 1.5 } }, 'longPoll.historySize'],
    [{ rateLimit: { group: -1 } }, 'rateLimit.group'],
    [{ callLogSize: Number.NaN }, 'callLogSize'],
    [{ callback: { retryDelaysMs: [10, -1] } }, 'callback.retryDelaysMs'],
    [{ callback: { timeoutMs: 0 } }, 'callback.timeoutMs'],
    [{ groups: [{ id: 5 }, { id: 5 }] }, 'id'],
    [{ groups: [{ id: 0 }] }, 'id'],
    [{ users: [{ id: 2_000_000_001 }] }, 'id'],
  ] as Array<[SandboxOptions, string]>)('%j → %s', async (options, option) => {
    const error = await configError(() => started(options));
    expect(error.code).toBe('invalid_option');
    expect(error.option).toBe(option);
  });

  test('a reused token is refused without showing it', async () => {
    const error = await configError(() =>
      started({
        groups: [
          { id: 1, token: 'vk1.a.secret-token' },
          { id: 2, token: 'vk1.a.secret-token' },
        ],
      }),
    );
    expect(error.option).toBe('token');
    expect(error.message).not.toContain('secret-token');
  });
});

describe('simulation calls with a bad argument throw a VkwireConfigError', () => {
  test('an unknown community, chat, cmid or attachment kind is named in the error', async () => {
    const vk = await started();
    expect((await configError(() => vk.addGroupToken(1))).option).toBe('groupId');
    expect((await configError(() => vk.user(7).send('hi', { peerId: 42 }))).option).toBe('peerId');
    expect((await configError(() => vk.user(7).send('hi', { replyTo: 999 }))).option).toBe('replyTo/forward');
    expect(
      (await configError(() => vk.user(7).send('hi', { attachments: [{ type: 'video' }] }))).option,
    ).toBe('attachments[0]');
    expect((await configError(() => vk.createChat({ title: 'empty', members: [] }))).option).toBe('members');
    expect((await configError(() => vk.callback.confirm(404))).option).toBe('serverId');
  });
});
