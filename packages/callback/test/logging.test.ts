import type { Logger } from '@vkwire/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type CallbackReceiverOptions, createCallbackReceiver } from '../src/index.js';
import { fixture, until } from './setup.js';

const GROUP = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CODE = '5f3e9a1c';
const base = fixture<{ body: Record<string, unknown> }>('callback/message_new.retry.http.json').body;
const event = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ ...structuredClone(base), ...overrides });

// core's defaultLogger prints each kind of message once per 30 s in a process, so the tests that
// expect nothing on stderr run before the one that expects the lines.
let stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  stderr = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stderr.push(String(chunk));
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
});
afterEach(() => {
  process.stderr.write = write;
});

async function post(options: Partial<CallbackReceiverOptions>, body: string): Promise<number> {
  const receiver = createCallbackReceiver({
    groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
    onUpdate: () => {
      throw new Error('the database is down');
    },
    ...options,
  });
  const response = await receiver(
    new Request('http://bot.local/callback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    }),
  );
  return response.status;
}

function collecting(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void =>
      void lines.push(`${level} ${message ?? ''} ${JSON.stringify(fields)}`);
  return {
    lines,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
  };
}

describe('nothing fails silently', () => {
  test('a logger replaces stderr: the handler error and the refusal go to it, nothing to stderr', async () => {
    const { logger, lines } = collecting();
    expect(await post({ logger }, event({ event_id: 'a' }))).toBe(503);
    expect(await post({ logger }, event({ event_id: 'b', secret: 'wrong-guess' }))).toBe(403);
    expect(lines).toEqual([
      expect.stringMatching(/^error onUpdate failed.*the database is down/),
      expect.stringMatching(/^warn callback request refused: bad secret/),
    ]);
    expect(lines.join('\n')).not.toContain('wrong-guess');
    expect(stderr).toEqual([]);
  });

  test('onError takes the handler errors (as Error, with the update and context); warnings still go to the logger', async () => {
    const errors: Array<[Error, string, string]> = [];
    expect(
      await post(
        {
          onError: (error, update, context) => void errors.push([error, update.type, context.eventId]),
          onUpdate: () => {
            throw 'a string thrown';
          },
        },
        event({ event_id: 'c' }),
      ),
    ).toBe(503);
    expect(errors).toEqual([[expect.any(Error), 'message_new', 'c']]);
    expect(errors[0]?.[0].message).toBe('a string thrown');
    expect(stderr).toEqual([]);
  });

  test('with neither a logger nor onError, handler errors and warnings reach stderr', async () => {
    expect(await post({}, event({ event_id: 'd' }))).toBe(503);
    expect(await post({}, event({ event_id: 'e', secret: 'wrong-guess' }))).toBe(403);
    await until(() => stderr.length >= 2);
    expect(stderr).toEqual([
      expect.stringMatching(
        /^\[vkwire\] error: onUpdate failed; VK will redeliver the update .*the database is down/,
      ),
      expect.stringMatching(/^\[vkwire\] warn: callback request refused: bad secret/),
    ]);
    expect(stderr.join('')).not.toContain('wrong-guess');
    expect(stderr.join('')).not.toContain(SECRET);
  });
});
