import { Writable } from 'node:stream';
import { tokenFingerprint } from '@vkwire/api-client';
import { pino } from 'pino';
import { TimeoutError } from 'redis';
import { expect, test } from 'vitest';
import { errorSerializers } from '../src/log.js';

const TOKEN = 'vk1.a.secret-token-for-the-log-test-0123456789';

/** A pino logger as main.ts builds it, writing its lines into an array. */
function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ serializers: errorSerializers([TOKEN]) }, sink), lines };
}

test('an error under err or error is logged with its type, code and message, causes included', () => {
  const { logger, lines } = capture();
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
  const error = new TypeError('publish failed', { cause });
  logger.warn({ err: error }, 'one');
  logger.warn({ error }, 'two');
  for (const line of lines)
    expect(line[line.msg === 'one' ? 'err' : 'error']).toEqual({
      type: 'TypeError',
      message: 'publish failed',
      cause: { type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
    });
});

test('no token reaches a line: known tokens become fingerprints, access_token values are hidden', () => {
  const { logger, lines } = capture();
  logger.error(
    { err: new Error(`GET https://lp.vk.com/?access_token=${TOKEN}&ts=5 failed; token ${TOKEN}`) },
    'request failed',
  );
  logger.error({ error: `VK refused ${TOKEN}` }, 'as text');
  const text = JSON.stringify(lines);
  expect(text).not.toContain(TOKEN);
  expect((lines[0]?.err as { message?: string } | undefined)?.message).toBe(
    `GET https://lp.vk.com/?access_token=***&ts=5 failed; token [token ${tokenFingerprint(TOKEN)}]`,
  );
  expect(lines[1]?.error).toBe(`VK refused [token ${tokenFingerprint(TOKEN)}]`);
});

test('an error class that keeps the name Error and has no message is logged by its class: a Redis command timeout', () => {
  const { logger, lines } = capture();
  logger.warn({ err: new TimeoutError() }, 'fetcher: cannot reach Redis to count the fleet; retrying');
  expect(lines[0]?.err).toEqual({ type: 'TimeoutError', message: '(no message)' });
});
