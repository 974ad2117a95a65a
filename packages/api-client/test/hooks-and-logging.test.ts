import { afterEach, describe, expect, test } from 'vitest';
import type { Logger } from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('hooks and logging', () => {
  test('before and after hooks see every call once, with timings and errors, the retry hook each retry, never the token', async () => {
    const seen: string[] = [];
    const retries: string[] = [];
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
        onRetry: ({ error, attempt, delayMs }) =>
          retries.push(
            `${(error as { code?: number }).code} attempt ${attempt}, again in ${delayMs >= 0 ? 'ms' : '?'}`,
          ),
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
    // What afterCall never shows: the error 10 a retry absorbed.
    expect(retries).toEqual(['10 attempt 1, again in ms']);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(vk.group.token);
  });
});

describe('a hook that throws', () => {
  test('never touches the call: it settles with its own outcome, the error is logged and close() resolves', async () => {
    const logged: Array<{ message: string | undefined; fields: Record<string, unknown> }> = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (fields, message) => logged.push({ message, fields }),
      error: (fields, message) => logged.push({ message, fields }),
    };
    current = await rig({
      logger,
      batching: false,
      hooks: {
        beforeCall: ({ method }) => {
          if (method === 'users.get') throw new Error('before broke');
        },
        afterCall: () => {
          throw new Error('after broke');
        },
      },
    });
    const { api, vk } = current;
    vk.user(1).send('hi');
    expect(await api.users.get({ user_ids: [1] })).toMatchObject([{ id: 1 }]);
    // A call that fails still fails with VK's error, not the hook's.
    await expect(api.messages.send({ peer_id: 2, message: 'nobody' })).rejects.toMatchObject({
      name: 'VkParamError',
    });
    await expect(current.api.close()).resolves.toBeUndefined();
    const texts = logged.map(({ fields }) => String(fields.error));
    expect(texts).toContain('Error: before broke');
    expect(texts.filter((text) => text === 'Error: after broke')).toHaveLength(3);
    expect(logged.every(({ fields }) => fields.hook === 'beforeCall' || fields.hook === 'afterCall')).toBe(
      true,
    );
  });

  test('an async afterCall that rejects is logged too, and the call resolves', async () => {
    const errors: unknown[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (fields) => errors.push(fields.error),
    };
    current = await rig({
      logger,
      tokenType: 'group',
      hooks: { afterCall: async () => Promise.reject(new Error('metrics down')) },
    });
    expect(await current.api.call('groups.getById')).toMatchObject({ groups: [{ id: current.vk.group.id }] });
    await current.api.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map(String)).toEqual(['Error: metrics down']);
  });

  test('with no logger, the hook error reaches stderr (without the token)', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
    try {
      current = await rig({
        tokenType: 'group',
        hooks: {
          afterCall: () => {
            throw new Error('hook went wrong');
          },
        },
      });
      await current.api.call('groups.getById');
    } finally {
      process.stderr.write = write;
    }
    const line = lines.find((text) => text.includes('hook went wrong'));
    expect(line).toContain('afterCall');
    expect(line).not.toContain(current.vk.group.token);
  });
});
