import { MemoryCheckpointStore, VK_API_VERSION } from '@vkwire/core';
import { isUpdateOf, type VkParsedUpdate } from '@vkwire/events-schema';
import { afterEach, describe, expect, test } from 'vitest';
import { type LongPollGap, LongPollMalformedUpdateError } from '../src/index.js';
import { type PollRig, pollRig, sleep, until } from './setup.js';

let rig: PollRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const textOf = (update: VkParsedUpdate): string =>
  isUpdateOf(update, 'message_new') ? update.object.message.text : `<${update.type}>`;

describe('receiving', () => {
  test('typed handlers receive updates; the community is detected from the token', async () => {
    rig = await pollRig();
    const { vk } = rig;
    const texts: string[] = [];
    const types: string[] = [];
    const poll = rig
      .poll()
      .on('message_new', ({ object }) => {
        texts.push(object.message.text);
      })
      .on((update) => {
        types.push(update.type);
      });
    await poll.start();
    vk.user(1).send('hello');
    vk.user(2).typing();
    await until(() => types.length === 2);
    expect(texts).toEqual(['hello']);
    // Different conversations run side by side: their relative order is not defined.
    expect(types.sort()).toEqual(['message_new', 'message_typing_state']);
  });

  test('for await pulls updates one at a time and stops the poll on break', async () => {
    rig = await pollRig();
    const { vk } = rig;
    // Without a ts a poll starts from the server's current one; these come before it starts.
    for (let index = 0; index < 5; index += 1) vk.user(1).send(`m${index}`);
    const poll = rig.poll({ ts: '0' });
    const seen: string[] = [];
    for await (const update of poll) {
      seen.push(textOf(update));
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['m0', 'm1', 'm2']);
    expect(poll.inFlight).toBe(0);
  });

  test('a malformed update goes to onError as a typed error carrying the raw value, not as an update', async () => {
    rig = await pollRig();
    const { vk } = rig;
    const errors: Array<{ error: Error; update: unknown }> = [];
    const texts: string[] = [];
    const poll = rig.poll({ onError: (error, update) => errors.push({ error, update }) });
    poll.on('message_new', ({ object }) => {
      texts.push(object.message.text);
    });
    await poll.start();
    vk.emitEvent('message_new', { message: 'not an object' });
    vk.user(1).send('after the bad one');
    await until(() => texts.length === 1);
    expect(errors).toHaveLength(1);
    const [{ error, update } = { error: undefined, update: undefined }] = errors;
    // No parsed update exists for it: the raw value rides on the error, typed `unknown`.
    expect(update).toBeUndefined();
    expect(error).toBeInstanceOf(LongPollMalformedUpdateError);
    expect(error).toMatchObject({
      code: 'long_poll_malformed_update',
      raw: expect.objectContaining({ type: 'message_new', object: { message: 'not an object' } }),
      cause: expect.objectContaining({ name: 'VkUpdateParseError' }),
    });
  });

  test("with validation off, VK's deprecated-version notice is reported, never handed to handlers", async () => {
    rig = await pollRig();
    const { vk } = rig;
    const errors: Error[] = [];
    const texts: string[] = [];
    const poll = rig.poll({ validate: false, onError: (error) => errors.push(error as Error) });
    poll.on('message_new', ({ object }) => {
      // Before the fix this ran with `object.message` undefined and threw here.
      texts.push(object.message.text);
    });
    await poll.start();
    // What a stream still set to an old api_version gets in place of the message.
    vk.emitEvent('message_new', { warning: 'You are using a deprecated API version.' });
    vk.user(1).send('after the notice');
    await until(() => texts.length === 1);
    expect(texts).toEqual(['after the notice']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LongPollMalformedUpdateError);
    expect(errors[0]).toMatchObject({ cause: expect.objectContaining({ code: 'deprecated_api_version' }) });
  });

  test('a handler error goes to onError with its update and the loop goes on', async () => {
    rig = await pollRig();
    const { vk } = rig;
    const errors: string[] = [];
    const texts: string[] = [];
    const poll = rig.poll({
      onError: (error, update) =>
        errors.push(`${(error as Error).message} @ ${update ? textOf(update) : '-'}`),
    });
    poll.on('message_new', ({ object }) => {
      if (object.message.text === 'boom') throw new Error('handler failed');
      texts.push(object.message.text);
    });
    await poll.start();
    vk.user(1).send('boom');
    vk.user(1).send('fine');
    await until(() => texts.length === 1);
    expect(errors).toEqual(['handler failed @ boom']);
  });
});

describe('ordering, concurrency and backpressure', () => {
  test('updates of one conversation run one at a time and in order; other conversations run alongside', async () => {
    rig = await pollRig();
    const { vk } = rig;
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const poll = rig.poll().on('message_new', async ({ object }) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${object.message.peer_id}:${object.message.text}`);
      await sleep(30);
      log.push(`end ${object.message.peer_id}:${object.message.text}`);
      running -= 1;
    });
    await poll.start();
    for (let index = 0; index < 3; index += 1) {
      vk.user(1).send(`a${index}`);
      vk.user(2).send(`b${index}`);
    }
    await until(() => log.length === 12);
    for (const peer of [1, 2]) {
      const own = log.filter((line) => line.includes(` ${peer}:`));
      const letter = peer === 1 ? 'a' : 'b';
      expect(own).toEqual(
        [0, 1, 2].flatMap((index) => [`start ${peer}:${letter}${index}`, `end ${peer}:${letter}${index}`]),
      );
    }
    expect(maxRunning).toBe(2);
  });

  test('concurrency is bounded, and slow handlers make the poll wait instead of buffering', async () => {
    rig = await pollRig();
    const { vk } = rig;
    let running = 0;
    let maxRunning = 0;
    let handled = 0;
    const poll = rig.poll({ concurrency: 5, queueLimit: 20 }).on('message_new', async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(20);
      running -= 1;
      handled += 1;
    });
    await poll.start();
    vk.bulk.messages(300, { userIds: Array.from({ length: 50 }, (_, index) => index + 1) });
    await sleep(150);
    // The poll fetched at most the queue limit plus one answer ahead of what was handled.
    expect(Number(poll.ts) - handled).toBeLessThanOrEqual(20 + 100);
    await until(() => handled === 300, 10_000);
    expect(maxRunning).toBe(5);
  });
});

describe('stop', () => {
  test('stop aborts the held request at once', async () => {
    rig = await pollRig();
    const poll = rig.poll({ wait: 25 });
    await poll.start();
    await sleep(50);
    const started = performance.now();
    await poll.stop();
    expect(performance.now() - started).toBeLessThan(300);
  });

  test('stop waits for running handlers and no handler starts after it resolves', async () => {
    rig = await pollRig();
    const { vk } = rig;
    let started = 0;
    let finished = 0;
    const poll = rig.poll({ concurrency: 2 }).on('message_new', async () => {
      started += 1;
      await sleep(100);
      finished += 1;
    });
    await poll.start();
    for (let index = 0; index < 10; index += 1) vk.user(index + 1).send('x');
    await until(() => started === 2);
    await poll.stop();
    expect(finished).toBe(started);
    const startedAtStop = started;
    await sleep(250);
    expect(started).toBe(startedAtStop);
  });

  test('an aborted signal stops the poll', async () => {
    rig = await pollRig();
    const controller = new AbortController();
    const poll = rig.poll({ signal: controller.signal });
    await poll.start();
    const started = performance.now();
    controller.abort();
    await until(() => performance.now() - started > 50);
    await poll.stop();
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('checkpoints', () => {
  test('a checkpoint comes only after every update up to its ts was handled', async () => {
    rig = await pollRig({ longPoll: { maxBatch: 1 } });
    const { vk } = rig;
    const checkpoints: string[] = [];
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const poll = rig
      .poll({ onCheckpoint: (ts) => void checkpoints.push(ts) })
      .on('message_new', async ({ object }) => {
        if (object.message.text === 'slow') await slow;
      });
    await poll.start();
    vk.user(1).send('slow');
    vk.user(2).send('fast');
    vk.user(3).send('fast');
    await sleep(150);
    expect(checkpoints).toEqual(['0']); // only where it started
    release();
    await until(() => checkpoints.includes('3'));
    expect(checkpoints.filter((ts) => Number(ts) > 0)).toEqual(['1', '2', '3']);
  });

  test('a poll started afresh saves where it starts: stopped before its first batch, the next one misses nothing', async () => {
    rig = await pollRig();
    const { vk } = rig;
    const store = new MemoryCheckpointStore();
    const checkpoint = { store, stream: 'group:1' };
    const first = rig.poll({ checkpoint }).on('message_new', () => {});
    let saved: string | undefined;
    await first.start();
    await until(() => {
      void Promise.resolve(store.load('group:1')).then((ts) => {
        saved = ts;
      });
      return saved !== undefined;
    });
    await first.stop();
    vk.user(1).send('while nobody polled');
    const texts: string[] = [];
    const second = rig.poll({ checkpoint }).on('message_new', ({ object }) => {
      texts.push(object.message.text);
    });
    await second.start();
    await until(() => texts.length === 1);
    expect(texts).toEqual(['while nobody polled']);
  });

  test('a poll restarted from the last checkpoint loses nothing and repeats nothing handled', async () => {
    rig = await pollRig();
    const { vk } = rig;
    const handled = new Set<string>();
    let checkpoint = '';
    const first = rig
      .poll({
        onCheckpoint: (ts) => {
          checkpoint = ts;
        },
      })
      .on('message_new', ({ event_id }) => {
        handled.add(event_id);
      });
    await first.start();
    vk.bulk.messages(50);
    await until(() => handled.size === 50);
    await first.stop();
    vk.bulk.messages(30); // arrive while no poll runs
    const second = rig.poll({ ts: checkpoint }).on('message_new', ({ event_id }) => {
      expect(handled.has(event_id)).toBe(false);
      handled.add(event_id);
    });
    await second.start();
    await until(() => handled.size === 80);
  });
});

describe('startAnswers: one call per answer', () => {
  test('each answer comes whole and in order; its ts is checkpointed only once the call resolved', async () => {
    rig = await pollRig({ longPoll: { maxBatch: 10 } });
    const { vk } = rig;
    const answers: Array<{ texts: string[]; ts: string; groupId: number | undefined }> = [];
    const checkpoints: string[] = [];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // 25 messages before the start: answers of 10, 10 and 5.
    for (let index = 0; index < 25; index += 1) vk.user((index % 3) + 1).send(`m${index}`);
    const poll = rig.poll({ ts: '0', onCheckpoint: (ts) => void checkpoints.push(ts) });
    await poll.startAnswers(async (updates, { ts, groupId }) => {
      answers.push({ texts: updates.map(textOf), ts, groupId });
      if (answers.length === 1) await held;
    });
    await until(() => answers.length === 1);
    await sleep(100);
    // The first call has not resolved: no checkpoint past the start, and no second call yet.
    expect(answers).toHaveLength(1);
    expect(checkpoints).toEqual([]);
    release();
    await until(() => checkpoints.includes('25'));
    expect(answers.map((answer) => answer.texts.length)).toEqual([10, 10, 5]);
    expect(answers.flatMap((answer) => answer.texts)).toEqual(
      Array.from({ length: 25 }, (_, index) => `m${index}`),
    );
    expect(checkpoints).toEqual(answers.map((answer) => answer.ts));
    expect(answers.map((answer) => answer.groupId)).toEqual([vk.group.id, vk.group.id, vk.group.id]);
  });

  test('inFlight: 2 starts the next answer while one runs, in order; checkpoints wait for every earlier call', async () => {
    rig = await pollRig({ longPoll: { maxBatch: 10 } });
    const { vk } = rig;
    for (let index = 0; index < 30; index += 1) vk.user((index % 3) + 1).send(`m${index}`);
    const checkpoints: string[] = [];
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const poll = rig.poll({ ts: '0', onCheckpoint: (ts) => void checkpoints.push(ts) });
    await poll.startAnswers(
      async (_updates, { ts }) => {
        started.push(ts);
        await new Promise<void>((resolve) => releases.set(ts, resolve));
      },
      { inFlight: 2 },
    );
    // Two calls run at once, never a third.
    await until(() => started.length === 2);
    await sleep(100);
    expect(started).toEqual(['10', '20']);
    // The second resolves first: nothing is checkpointed until the first did too.
    releases.get('20')?.();
    await sleep(100);
    expect(checkpoints).toEqual([]);
    expect(started).toEqual(['10', '20', '30']);
    releases.get('10')?.();
    await until(() => checkpoints.includes('20'));
    expect(checkpoints).toEqual(['10', '20']);
    releases.get('30')?.();
    await until(() => checkpoints.includes('30'));
    expect(checkpoints).toEqual(['10', '20', '30']);
    await expect(rig.poll().startAnswers(() => {}, { inFlight: 5 })).rejects.toThrow(/inFlight/);
  });

  test('a large answer (100 Cyrillic messages, over 60 KB: parsed in pieces) arrives whole and in order', async () => {
    rig = await pollRig({ longPoll: { maxBatch: 100 } });
    const { vk } = rig;
    const text =
      'Здравствуйте! Подскажите, пожалуйста, работаете ли вы в выходные и можно ли заказать доставку к 10 утра? "[{\\';
    const sent = Array.from({ length: 100 }, (_, index) => `${text} ${index}`);
    for (const [index, message] of sent.entries()) vk.user(index + 1).send(message);
    const answers: string[][] = [];
    const poll = rig.poll({ ts: '0' });
    await poll.startAnswers((updates) => {
      answers.push(updates.map(textOf));
    });
    await until(() => answers.flat().length === 100);
    expect(answers).toEqual([sent]);
  });

  test('a failed call is reported and the poll moves on; stopped past stopTimeoutMs, nothing is checkpointed', async () => {
    rig = await pollRig({ longPoll: { maxBatch: 100 } });
    const { vk } = rig;
    const errors: Error[] = [];
    const checkpoints: string[] = [];
    let calls = 0;
    const poll = rig.poll({
      stopTimeoutMs: 50,
      onError: (error) => errors.push(error),
      onCheckpoint: (ts) => void checkpoints.push(ts),
    });
    await poll.startAnswers(async (_updates, { signal }) => {
      calls += 1;
      if (calls === 1) throw new Error('the bus refused it');
      // The second answer never finishes: stop() gives up on it.
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    });
    vk.user(1).send('first');
    await until(() => errors.length === 1);
    expect(errors[0]?.message).toBe('the bus refused it');
    // Where it started (a fresh poll saves the server's ts), then past the failed answer.
    await until(() => checkpoints.length === 2);
    const afterFirst = [...checkpoints];
    vk.user(1).send('second');
    await until(() => calls === 2);
    expect(await poll.stop()).toEqual({ abandoned: 1 });
    expect(checkpoints).toEqual(afterFirst);
  });

  test('on() handlers and startAnswers do not mix', async () => {
    rig = await pollRig();
    const poll = rig.poll().on('message_new', () => {});
    await expect(poll.startAnswers(() => {})).rejects.toThrow(/not both/);
  });
});

describe('VK failures and faults', () => {
  async function collecting(
    options: { onGap?: (gap: LongPollGap) => void; onFailed?: (failed: number) => void } = {},
  ) {
    const r = await pollRig();
    rig = r;
    const ids: string[] = [];
    const poll = r.poll(options).on('message_new', ({ event_id }) => {
      ids.push(event_id);
    });
    await poll.start();
    return { vk: r.vk, ids, poll };
  }

  test.each([
    ['failed 1', (vk: PollRig['vk']) => vk.faults.longPollFailed(1, { times: 2 })],
    ['failed 2 (new key, same ts)', (vk: PollRig['vk']) => vk.faults.longPollFailed(2, { times: 2 })],
    ['dropped connections', (vk: PollRig['vk']) => vk.faults.longPollDrop({ times: 3 })],
    ['5xx pages', (vk: PollRig['vk']) => vk.faults.longPollStatus(502, { times: 3 })],
    ['non-JSON answers', (vk: PollRig['vk']) => vk.faults.inject('longPoll', { kind: 'html' }, { times: 2 })],
    ['slow answers', (vk: PollRig['vk']) => vk.faults.longPollDelay(200, { times: 2 })],
  ])('%s: nothing lost, nothing handled twice', async (_name, inject) => {
    const { vk, ids } = await collecting();
    vk.bulk.messages(100);
    inject(vk);
    vk.bulk.messages(100);
    await until(() => ids.length >= 200);
    await sleep(50);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  });

  test('onFailed is told each failed code VK answers', async () => {
    const failed: number[] = [];
    const { vk, ids } = await collecting({ onFailed: (code) => failed.push(code) });
    vk.faults.longPollFailed(2, { times: 2 });
    vk.bulk.messages(5);
    await until(() => ids.length === 5);
    vk.faults.longPollFailed(1);
    vk.bulk.messages(5);
    // The request held when the fault was set answers first; the one after it gets failed: 1.
    await until(() => ids.length === 10 && failed.length === 3);
    expect(failed).toEqual([2, 2, 1]);
  });

  test('failed 3: a new key and ts; every event is either handled once or inside the reported gap', async () => {
    const gaps: LongPollGap[] = [];
    const { vk, ids } = await collecting({ onGap: (gap) => gaps.push(gap) });
    vk.bulk.messages(10);
    await until(() => ids.length === 10);
    vk.faults.longPollFailed(3);
    // Whether these come before the failure or are lost to it depends on timing, as on VK.
    vk.bulk.messages(10);
    await until(() => gaps.length === 1);
    vk.bulk.messages(5);
    const lost = () => Number(gaps[0]?.toTs) - Number(gaps[0]?.fromTs);
    await until(() => ids.length + lost() === 25);
    await sleep(50);
    expect(gaps[0]?.reason).toBe('failed_3');
    expect(ids.length + lost()).toBe(25);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a Long Poll that cannot start rejects start() with VK’s reason', async () => {
    rig = await pollRig({ groups: [{ longPollEnabled: false }] });
    await expect(rig.poll().start()).rejects.toThrow(/longpoll for this group is not enabled/);
  });
});

describe('settings', () => {
  test('ensureSettings enables Long Poll with exactly the handled types', async () => {
    rig = await pollRig({ groups: [{ longPollEnabled: false }] });
    const { vk, api } = rig;
    const texts: string[] = [];
    const poll = rig.poll({ ensureSettings: true }).on('message_new', ({ object }) => {
      texts.push(object.message.text);
    });
    await poll.start();
    const settings = await api.groups.getLongPollSettings({ group_id: vk.group.id });
    expect(settings.is_enabled).toBe(true);
    expect(settings.api_version).toBe(VK_API_VERSION);
    expect(
      Object.entries(settings.events ?? {})
        .filter(([, on]) => on)
        .map(([type]) => type),
    ).toEqual(['message_new']);
    vk.user(1).send('now it arrives');
    await until(() => texts.length === 1);
  });

  test('eventTypes: a catch-all handler gets every update, the settings follow the declared types', async () => {
    rig = await pollRig({ groups: [{ longPollEnabled: false }] });
    const { vk, api } = rig;
    const types: string[] = [];
    const poll = rig
      .poll({ ensureSettings: true, eventTypes: ['message_new', 'group_join'] })
      .on((update) => {
        types.push(update.type);
      });
    await poll.start();
    const settings = await api.groups.getLongPollSettings({ group_id: vk.group.id });
    expect(
      Object.entries(settings.events ?? {})
        .filter(([, on]) => on)
        .map(([type]) => type),
    ).toEqual(['message_new', 'group_join']);
    vk.user(1).send('hi');
    vk.emitEvent('brand_new_event', { anything: 1 });
    await until(() => types.length === 2);
    expect(types).toEqual(['message_new', 'brand_new_event']);
    expect(() => rig?.poll({ eventTypes: ['message_neww' as never] })).toThrow(/eventTypes/);
  });

  test('without ensureSettings, settings that keep handled events away are warned about', async () => {
    rig = await pollRig();
    const { vk, api } = rig;
    await api.call('groups.setLongPollSettings', {
      group_id: vk.group.id,
      message_event: 0,
      api_version: '5.131',
    });
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_object: unknown, message?: string) => void warnings.push(message ?? ''),
    };
    await rig
      .poll({ logger })
      .on('message_event', () => {})
      .start();
    expect(warnings).toEqual([
      expect.stringContaining('API version 5.131'),
      expect.stringContaining('event type message_event is switched off'),
    ]);
  });
});
