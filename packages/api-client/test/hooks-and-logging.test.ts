import { afterEach, describe, expect, test } from 'vitest';
import type { Logger } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('hooks and logging', () => {
  test('before and after hooks see every call once, with timings and errors, never the token', async () => {
    const seen: string[] = [];
    const lines: string[] = [];
    const record = (level: string) => (object: Record<string, unknown>, message?: string) =>
      lines.push(`${level} ${message ?? ''} ${JSON.stringify(object)}`);
    const logger: Logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    current = await rig({
      logger,
      retry: { baseDelayMs: 5 },
      hooks: {
        beforeCall: ({ method }) => seen.push(`before ${method}`),
        afterCall: ({ method, error, durationMs }) =>
          seen.push(`after ${method} ${error ? error.name : 'ok'} ${durationMs >= 0}`),
      },
    });
    const { api, vk } = current;
    vk.user(1).send('hi');
    vk.faults.apiError(10, { times: 1 });
    await api.users.get({ user_ids: [1] });
    await api.messages.send({ peer_id: 2, message: 'nobody' }).catch(() => undefined);
    expect(seen).toEqual([
      'before groups.getById',
      // users.get is queued at once and goes out once the token's kind is known.
      'before users.get',
      // Error 10 is transient: the call is retried and succeeds, and the hooks see it once.
      'after groups.getById ok true',
      'after users.get ok true',
      'before messages.send',
      'after messages.send VkParamError true',
    ]);
    expect(lines.filter((line) => line.includes('vk api retry'))).toHaveLength(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(vk.group.token);
  });
});
