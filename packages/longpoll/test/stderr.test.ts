import type { Logger } from '@vkwire/core';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { pollRig, sleep, until, userRig } from './setup.js';

// With neither a `logger` nor an `onError`, what goes wrong reaches stderr through core's
// defaultLogger. It is one logger per process and rate-limits each message, so the tests that
// expect nothing on stderr run first: a message printed earlier would be counted, not printed,
// and they would pass for the wrong reason.

let written: string[] = [];
const realWrite = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  written = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stderr.write;
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  process.stderr.write = realWrite;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const vkwireLines = () =>
  written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('[vkwire]'));

async function groupRig() {
  const rig = await pollRig();
  cleanups.push(rig.close);
  return rig;
}

describe('a logger or onError takes over', () => {
  test('a logger replaces stderr', async () => {
    const rig = await groupRig();
    const logged: string[] = [];
    const record = (_fields: Record<string, unknown>, message?: string) => void logged.push(message ?? '');
    const logger: Logger = { debug: () => {}, info: () => {}, warn: record, error: record };
    const poll = rig.poll({ logger }).on('message_new', () => {
      throw new Error('boom for the logger');
    });
    await poll.start();
    rig.vk.user(1).send('x');
    await until(() => logged.length > 0);
    await sleep(50);
    expect(logged).toContain('GroupLongPoll: a handler failed; the poll moves on');
    expect(vkwireLines()).toEqual([]);
  });

  test('onError takes the errors', async () => {
    const rig = await groupRig();
    const errors: Error[] = [];
    const poll = rig
      .poll({ logger: undefined, onError: (error) => errors.push(error) })
      .on('message_new', () => {
        throw new Error('boom for onError');
      });
    await poll.start();
    rig.vk.user(1).send('x');
    await until(() => errors.length === 1);
    await sleep(50);
    expect(errors[0]?.message).toBe('boom for onError');
    expect(vkwireLines().filter((line) => line.includes('handler failed'))).toEqual([]);
  });
});

describe('with neither, stderr', () => {
  test('gets handler exceptions', async () => {
    const rig = await groupRig();
    const poll = rig.poll({ logger: undefined }).on('message_new', () => {
      throw new Error('boom on stderr');
    });
    await poll.start();
    rig.vk.user(1).send('x');
    await until(() => vkwireLines().length > 0);
    expect(vkwireLines()).toEqual([
      expect.stringMatching(
        /^\[vkwire\] error: GroupLongPoll: a handler failed; the poll moves on .*boom on stderr.*type=message_new/,
      ),
    ]);
  });

  test('gets the warning that message_new is switched off and its handlers will never run', async () => {
    const rig = await groupRig();
    await rig.api.call('groups.setLongPollSettings', { group_id: rig.vk.group.id, message_new: 0 });
    await rig
      .poll({ logger: undefined })
      .on('message_new', () => {})
      .start();
    expect(vkwireLines()).toEqual([
      expect.stringContaining('event type message_new is switched off in community'),
    ]);
    expect(vkwireLines()[0]).toContain('its handlers will never run');
  });

  test('gets network errors that keep coming, rate-limited to one line', async () => {
    const rig = await groupRig();
    const poll = rig.poll({ logger: undefined });
    await poll.start();
    rig.vk.faults.longPollStatus(502, { times: 8 });
    await until(() => vkwireLines().length > 0);
    await sleep(500);
    const lines = vkwireLines();
    expect(lines).toEqual([
      expect.stringContaining('GroupLongPoll: long poll requests keep failing; retrying'),
    ]);
    expect(lines[0]).toContain('HTTP 502');
  });

  test('gets UserLongPoll handler exceptions too', async () => {
    const rig = await userRig();
    cleanups.push(rig.close);
    const poll = rig.poll({ logger: undefined }).on('message_new', () => {
      throw new Error('user boom');
    });
    await poll.start();
    rig.vk.user(5).send('x');
    await until(() => vkwireLines().length > 0);
    expect(vkwireLines()).toEqual([
      expect.stringContaining('UserLongPoll: a handler failed; the poll moves on'),
    ]);
  });
});
