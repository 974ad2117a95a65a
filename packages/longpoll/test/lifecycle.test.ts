import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { VkApi } from '@vkwire/api-client';
import { MemoryCheckpointStore, silentLogger, type UpdateSource, VkwireConfigError } from '@vkwire/core';
import { isUpdateOf, type VkParsedUpdate } from '@vkwire/events-schema';
import type { Sandbox } from '@vkwire/sandbox';
import { afterEach, describe, expect, test } from 'vitest';
import {
  GroupLongPoll,
  type LongPollContext,
  LongPollRefusedError,
  LongPollStateError,
  UserLongPoll,
} from '../src/index.js';
import { pollRig, sleep, until, userRig } from './setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function groupRig(...args: Parameters<typeof pollRig>) {
  const rig = await pollRig(...args);
  cleanups.push(rig.close);
  return rig;
}

async function usersRig() {
  const rig = await userRig();
  cleanups.push(rig.close);
  return rig;
}

const textOf = (update: VkParsedUpdate): string =>
  isUpdateOf(update, 'message_new') ? update.object.message.text : `<${update.type}>`;

// node itself with tsx as a loader: no wrapper process between the test and the script, so the exit
// code is the script's own.
const TSX_LOADER = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const CHILD = fileURLToPath(new URL('./fixtures/child/for-await.ts', import.meta.url));

/** Runs the child script: a top-level `for await`, stopped (or its signal aborted) after the first update. */
async function runChild(vk: Sandbox, kind: 'group' | 'user', how: 'stop' | 'abort') {
  vk.user(1).send('hello');
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, '--conditions=@vkwire/source', CHILD, kind, how],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, VK_TOKEN: vk.group.token, VK_API_URL: vk.apiUrl },
    },
  );
  const lines: string[] = [];
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const output = createInterface({ input: child.stdout });
  output.on('line', (line) => {
    lines.push(line);
    if (lines.length === 1) child.stdin.write('go\n');
  });
  // Generous: on a loaded machine starting the script alone takes seconds.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = await exited;
  clearTimeout(timer);
  return { code, lines };
}

describe('for await ends when the poll is stopped', () => {
  test.each([
    ['GroupLongPoll', 'group', 'stop'],
    ['GroupLongPoll', 'group', 'abort'],
    ['UserLongPoll', 'user', 'stop'],
    ['UserLongPoll', 'user', 'abort'],
  ] as const)(
    '%s: a top-level for await ends (%s, %s) and node exits 0, not 13',
    async (_name, kind, how) => {
      const { vk, api } = await groupRig();
      // The sandbox records an account's User Long Poll stream from its first server request on.
      if (kind === 'user') await api.messages.getLongPollServer({ lp_version: 3 });
      const { code, lines } = await runChild(vk, kind, how);
      expect(lines.at(-1)).toBe('loop ended');
      expect(code).toBe(0);
    },
    40_000,
  );

  test('stop() from inside the loop body ends the loop after the body, and the update in hand is not checkpointed', async () => {
    const rig = await groupRig();
    const checkpoints: string[] = [];
    const poll = rig.poll({ ts: '0', onCheckpoint: (ts) => void checkpoints.push(ts) });
    rig.vk.user(1).send('one');
    rig.vk.user(1).send('two');
    const seen: string[] = [];
    for await (const update of poll) {
      seen.push(textOf(update));
      const { abandoned } = await poll.stop();
      expect(abandoned).toBe(0);
    }
    expect(seen).toEqual(['one']);
    expect(checkpoints.filter((ts) => Number(ts) >= 1)).toEqual([]);
    expect(await poll.finished).toEqual({ reason: 'stopped' });
  });
});

describe('handler context', () => {
  test('Bots Long Poll handlers get transport, groupId, eventId, retryCounter and one shared signal', async () => {
    const rig = await groupRig();
    const contexts: LongPollContext[] = [];
    const ids: string[] = [];
    const poll = rig.poll().on('message_new', (update, context) => {
      contexts.push(context);
      ids.push(update.event_id);
    });
    await poll.start();
    rig.vk.user(1).send('a');
    rig.vk.user(2).send('b');
    await until(() => contexts.length === 2);
    expect(contexts.map(({ signal: _, ...rest }) => rest)).toEqual(
      ids.map((eventId) => ({ transport: 'long_poll', groupId: rig.vk.group.id, eventId, retryCounter: 0 })),
    );
    expect(contexts[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(contexts[0]?.signal).toBe(contexts[1]?.signal);
    expect(contexts[0]?.signal.aborted).toBe(false);
  });

  test('UserLongPoll handlers get transport user_long_poll, no eventId, and the community of a community token', async () => {
    const rig = await usersRig();
    const contexts: LongPollContext[] = [];
    const poll = rig.poll().on('message_new', (_event, context) => {
      contexts.push(context);
    });
    await poll.start();
    rig.vk.user(5).send('x');
    await until(() => contexts.length === 1);
    expect(contexts[0]).toMatchObject({
      transport: 'user_long_poll',
      groupId: rig.vk.group.id,
      eventId: undefined,
      retryCounter: 0,
    });
  });

  test('start(handler) delivers every update to it, as core’s UpdateSource', async () => {
    const rig = await groupRig();
    const texts: string[] = [];
    const poll = rig.poll();
    const source: UpdateSource<VkParsedUpdate> = poll;
    await source.start((update) => {
      texts.push(textOf(update));
    });
    rig.vk.user(1).send('via start');
    await until(() => texts.length === 1);
    expect(texts).toEqual(['via start']);
  });
});

describe('stop() with handlers past stopTimeoutMs', () => {
  test('aborts their signal, resolves { abandoned }, and discards their outcomes: no error, no checkpoint after it resolved', async () => {
    const rig = await groupRig({ longPoll: { maxBatch: 1 } });
    const errors: Error[] = [];
    const checkpoints: string[] = [];
    let aborted: unknown;
    let lateDone = false;
    const poll = rig
      .poll({
        stopTimeoutMs: 100,
        onError: (error) => errors.push(error),
        onCheckpoint: (ts) => void checkpoints.push(ts),
      })
      .on('message_new', async ({ object }, { signal }) => {
        if (object.message.text === 'listens') {
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          aborted = signal.reason;
          throw new Error('gave up after the abort');
        }
        if (object.message.text === 'deaf') {
          await sleep(300);
          lateDone = true;
        }
      });
    await poll.start();
    rig.vk.user(1).send('listens');
    rig.vk.user(2).send('deaf');
    await until(() => poll.inFlight === 2);
    const result = await poll.stop();
    expect(result).toEqual({ abandoned: 2 });
    const checkpointsAtStop = checkpoints.length;
    await until(() => lateDone && aborted !== undefined);
    await sleep(50);
    expect((aborted as Error).name).toBe('AbortError');
    expect(errors).toEqual([]);
    expect(checkpoints).toHaveLength(checkpointsAtStop);
    expect(await poll.finished).toEqual({ reason: 'stopped' });
  });
});

describe('lifecycle', () => {
  test('a failed start() can be retried', async () => {
    const rig = await groupRig({ groups: [{ longPollEnabled: false }] });
    const texts: string[] = [];
    const poll = rig.poll().on('message_new', ({ object }) => {
      texts.push(object.message.text);
    });
    const failure = await poll.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LongPollRefusedError);
    expect(failure).toMatchObject({ code: 'long_poll_disabled', vkCode: 100 });
    expect((failure as Error).message).toMatch(/switched off for community \d+.*enable it/);
    await rig.api.call('groups.setLongPollSettings', {
      group_id: rig.vk.group.id,
      enabled: 1,
      message_new: 1,
    });
    await poll.start();
    rig.vk.user(1).send('second try');
    await until(() => texts.length === 1);
  });

  test('start() while running says so; start() after stop() says it was stopped', async () => {
    const rig = await groupRig();
    const poll = rig.poll();
    await poll.start();
    await expect(poll.start()).rejects.toMatchObject({ code: 'long_poll_running' });
    await poll.stop();
    const again = await poll.start().catch((error: unknown) => error);
    expect(again).toBeInstanceOf(LongPollStateError);
    expect(again).toMatchObject({ code: 'long_poll_stopped', message: expect.stringMatching(/was stopped/) });
    expect((again as Error).message).not.toMatch(/already started/);
  });

  test('stop() while start() connects: start rejects saying it was stopped, and nothing runs after stop resolves', async () => {
    const rig = await groupRig();
    let handled = 0;
    const poll = rig.poll().on('message_new', () => {
      handled += 1;
    });
    const starting = poll.start().catch((error: unknown) => error);
    const result = await poll.stop();
    expect(result).toEqual({ abandoned: 0 });
    expect(await starting).toMatchObject({ name: 'LongPollStateError', code: 'long_poll_stopped' });
    expect(await poll.finished).toEqual({ reason: 'stopped' });
    rig.vk.user(1).send('after stop');
    await sleep(150);
    expect(handled).toBe(0);
  });

  test.each([
    ['checking the Long Poll settings', true],
    ['finding the community of the token', false],
  ])(
    'stop() while VK does not answer a call of the start (%s) resolves at once: the call is cut',
    async (_what, known) => {
      const rig = await groupRig();
      // A client of its own: one that knows its token's kind makes no detecting call of its own,
      // and a detecting call VK keeps (it takes no signal) is cut by a short close.
      const api = new VkApi({
        token: rig.vk.group.token,
        baseUrl: rig.vk.apiUrl,
        closeTimeoutMs: 100,
        ...(known ? { tokenType: 'group' as const } : {}),
      });
      cleanups.push(() => api.close());
      const poll = new GroupLongPoll({
        api,
        ensureSettings: true,
        logger: silentLogger,
        ...(known ? { groupId: rig.vk.group.id } : {}),
      });
      rig.vk.faults.apiTimeout({ times: 100 });
      const starting = poll.start().catch((error: unknown) => error);
      await sleep(300); // the start's first call is out, and VK keeps it
      const started = performance.now();
      expect(await poll.stop()).toEqual({ abandoned: 0 });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await starting).toMatchObject({ name: 'LongPollStateError', code: 'long_poll_stopped' });
      expect(await poll.finished).toEqual({ reason: 'stopped' });
    },
  );

  test('finished resolves { reason: stopped } after stop() and after an aborted signal', async () => {
    const rig = await groupRig();
    const poll = rig.poll();
    await poll.start();
    await poll.stop();
    expect(await poll.finished).toEqual({ reason: 'stopped' });

    const controller = new AbortController();
    const aborted = rig.poll({ signal: controller.signal });
    await aborted.start();
    controller.abort();
    expect(await aborted.finished).toEqual({ reason: 'stopped' });
    await expect(aborted.start()).rejects.toMatchObject({ code: 'long_poll_stopped' });
  });

  test('a token revoked while running ends the poll with a typed fatal error instead of retrying forever', async () => {
    const rig = await groupRig();
    const errors: Error[] = [];
    const poll = rig.poll({ onError: (error) => errors.push(error) });
    await poll.start();
    rig.vk.faults.apiError(5, { method: 'groups.getLongPollServer', times: 1000 });
    rig.vk.faults.longPollFailed(2);
    const finished = await poll.finished;
    expect(finished.reason).toBe('fatal');
    expect(finished.error).toBeInstanceOf(LongPollRefusedError);
    expect(finished.error).toMatchObject({ code: 'long_poll_auth', vkCode: 5 });
    expect(finished.error?.message).toMatch(/refused the token/);
    expect(errors).toEqual([finished.error]);
    await expect(poll.start()).rejects.toMatchObject({ code: 'long_poll_stopped' });
  });

  test('UserLongPoll: a token revoked while running ends the poll with a typed fatal error', async () => {
    const rig = await usersRig();
    const poll = rig.poll({ onError: () => {} });
    await poll.start();
    rig.vk.faults.apiError(5, { method: 'messages.getLongPollServer', times: 1000 });
    rig.vk.faults.userLongPollFailed(2);
    const finished = await poll.finished;
    expect(finished).toMatchObject({ reason: 'fatal', error: { code: 'long_poll_auth', vkCode: 5 } });
  });

  test('a wrong group id says the group id is wrong, not to enable Long Poll', async () => {
    const rig = await groupRig();
    const failure = await rig
      .poll({ groupId: rig.vk.group.id + 1 })
      .start()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LongPollRefusedError);
    expect(failure).toMatchObject({ code: 'long_poll_access_denied', vkCode: 15 });
    expect((failure as Error).message).toMatch(/group id is wrong/);
    expect((failure as Error).message).not.toMatch(/enable/i);
  });
});

describe('configuration errors', () => {
  test('a string groupId is called a string, with the option named', async () => {
    const rig = await groupRig();
    const make = () => new GroupLongPoll({ api: rig.api, groupId: '218734561' as unknown as number });
    expect(make).toThrow(VkwireConfigError);
    expect(make).toThrow(
      'GroupLongPoll: `groupId` must be a positive integer (the community id, no minus), got the string "218734561"',
    );
  });

  test.each([
    ['wait', { wait: 120 }, /`wait` must be an integer from 0 to 90.*got 120/],
    ['wait', { wait: 2.5 }, /got 2.5/],
    ['concurrency', { concurrency: 0 }, /`concurrency` must be a positive integer, got 0/],
    ['handlerRetries', { handlerRetries: -1 }, /`handlerRetries`/],
    ['stopTimeoutMs', { stopTimeoutMs: Number.NaN }, /`stopTimeoutMs`/],
    ['ts', { ts: 12 as unknown as string }, /`ts` must be a string of digits.*got 12/],
    [
      'checkpoint.stream',
      { checkpoint: { store: new MemoryCheckpointStore() } },
      /`checkpoint.stream`.*got nothing/,
    ],
  ])('%s is checked: %o', async (option, options, message) => {
    const rig = await groupRig();
    for (const make of [
      () => new GroupLongPoll({ api: rig.api, ...(options as object) }),
      () => new UserLongPoll({ api: rig.api, ...(options as object) }),
    ]) {
      const error = (() => {
        try {
          make();
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(VkwireConfigError);
      expect(error).toMatchObject({ code: 'invalid_option', option });
      expect((error as Error).message).toMatch(message);
    }
  });

  test('UserLongPoll options of its own are checked too', async () => {
    const rig = await usersRig();
    expect(() => new UserLongPoll({ api: rig.api, mode: -1 })).toThrow(/`mode`/);
    expect(() => new UserLongPoll({ api: rig.api, groupId: -5 })).toThrow(
      /`groupId` must be a positive integer/,
    );
    expect(() => new UserLongPoll({ api: rig.api, scheme: 'ftp' as 'http' })).toThrow(/`scheme`/);
  });
});

describe('handlerRetries', () => {
  test('default 0: a failed handler is reported once and the poll moves on', async () => {
    const rig = await groupRig();
    const counters: number[] = [];
    const errors: Error[] = [];
    const poll = rig
      .poll({ onError: (error) => errors.push(error) })
      .on('message_new', (_u, { retryCounter }) => {
        counters.push(retryCounter);
        throw new Error('fails');
      });
    await poll.start();
    rig.vk.user(1).send('x');
    await until(() => errors.length === 1);
    await sleep(50);
    expect(counters).toEqual([0]);
  });

  test('a handler that fails twice succeeds on its second retry, with retryCounter counting, and nothing is reported', async () => {
    const rig = await groupRig();
    const counters: number[] = [];
    const errors: Error[] = [];
    const checkpoints: string[] = [];
    const poll = rig
      .poll({
        handlerRetries: 2,
        onError: (error) => errors.push(error),
        onCheckpoint: (ts) => void checkpoints.push(ts),
      })
      .on('message_new', (_update, { retryCounter }) => {
        counters.push(retryCounter);
        if (retryCounter < 2) throw new Error(`attempt ${retryCounter} fails`);
      });
    await poll.start();
    rig.vk.user(1).send('x');
    await until(() => counters.length === 3 && checkpoints.length > 0);
    expect(counters).toEqual([0, 1, 2]);
    expect(errors).toEqual([]);
  });

  test('a handler that keeps failing is reported once after its retries, with its update', async () => {
    const rig = await usersRig();
    const counters: number[] = [];
    const errors: string[] = [];
    const poll = rig
      .poll({
        handlerRetries: 1,
        onError: (error, update) => errors.push(`${error.message} @ ${update?.type}`),
      })
      .on('message_new', (_event, { retryCounter }) => {
        counters.push(retryCounter);
        throw new Error(`attempt ${retryCounter}`);
      });
    await poll.start();
    rig.vk.user(5).send('x');
    await until(() => errors.length === 1);
    await sleep(50);
    expect(counters).toEqual([0, 1]);
    expect(errors).toEqual(['attempt 1 @ message_new']);
  });
});

describe('checkpoint store', () => {
  test.each(['GroupLongPoll', 'UserLongPoll'] as const)(
    '%s: the ts is saved after handled batches and loaded at start, so a new poll loses nothing and repeats nothing',
    async (kind) => {
      const rig = kind === 'GroupLongPoll' ? await groupRig() : await usersRig();
      const store = new MemoryCheckpointStore();
      const checkpoint = { store, stream: 'test:stream' };
      const texts: string[] = [];
      const onText = (text: string) => void texts.push(text);
      const attach = (poll: GroupLongPoll | UserLongPoll) =>
        poll instanceof GroupLongPoll
          ? poll.on('message_new', ({ object }) => onText(object.message.text))
          : poll.on('message_new', (event) => onText(event.text));
      const first = attach(rig.poll({ checkpoint }) as GroupLongPoll | UserLongPoll);
      await first.start();
      rig.vk.user(5).send('before');
      await until(() => texts.length === 1 && store.load('test:stream') === first.ts);
      await first.stop();
      const saved = store.load('test:stream');
      expect(saved).toBeDefined();
      rig.vk.user(5).send('while stopped');
      const second = attach(rig.poll({ checkpoint }) as GroupLongPoll | UserLongPoll);
      await second.start();
      await until(() => texts.length === 2);
      await sleep(50);
      expect(texts).toEqual(['before', 'while stopped']);
    },
  );

  test('nothing is saved after stop() resolved', async () => {
    const rig = await groupRig();
    const saves: string[] = [];
    const store = new MemoryCheckpointStore();
    const recording = {
      load: (stream: string) => store.load(stream),
      save: (stream: string, ts: string) => {
        saves.push(ts);
        store.save(stream, ts);
      },
    };
    const poll = rig
      .poll({ stopTimeoutMs: 50, checkpoint: { store: recording, stream: 's' } })
      .on('message_new', async () => {
        await sleep(200);
      });
    await poll.start();
    rig.vk.user(1).send('slow');
    await until(() => poll.inFlight === 1);
    await poll.stop();
    const savesAtStop = saves.length;
    await sleep(300);
    expect(saves).toHaveLength(savesAtStop);
  });
});
