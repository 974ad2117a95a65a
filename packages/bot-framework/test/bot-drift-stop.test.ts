import { expect, test } from 'vitest';
import { deferred, sandbox, startedBot, texts } from './helpers.js';

const USER = 193847562;

test('an event type VK has not announced and a message with an unknown field reach bot.use; the next updates are handled', async () => {
  const vk = await sandbox();
  const got: Array<{ type: string; object: unknown }> = [];
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.use(async (ctx, next) => {
      // The echoes of the bot's own answers are left out.
      if (ctx.update.type !== 'message_reply') got.push({ type: ctx.update.type, object: ctx.update.object });
      await next();
    });
    bot.command('ping', () => 'pong');
    bot.on('message', (ctx) => `echo: ${ctx.text}`);
  });
  vk.emitEvent('some_new_type', { answer: 42, nested: { list: [1, 2] } });
  vk.user(USER).send('hello', { extra: { brand_new_field: { kind: 'future', n: 1 } } });
  vk.user(USER).send('/ping');
  await seen.until(3);
  // A message_new whose object (beside message and client_info) has a field VK may add one day.
  const last = vk
    .events()
    .filter((event) => event.type === 'message_new')
    .at(-1);
  const object = structuredClone(last?.object) as { message: { text: string } } & Record<string, unknown>;
  object.message.text = 'after drift';
  object.future_top_level = { flag: true };
  vk.emitEvent('message_new', object);
  await seen.until(4);
  expect(got.map((item) => item.type)).toEqual([
    'some_new_type',
    'message_new',
    'message_new',
    'message_new',
  ]);
  expect(got[3]?.object).toMatchObject({ future_top_level: { flag: true } });
  // The unknown event comes as VK sent it.
  expect(got[0]?.object).toEqual({ answer: 42, nested: { list: [1, 2] } });
  // The unknown field is kept on the message, and the message is handled as any other.
  expect(got[1]?.object).toMatchObject({ message: { brand_new_field: { kind: 'future', n: 1 } } });
  expect(texts(vk, USER)).toEqual(['echo: hello', 'pong', 'echo: after drift']);
  expect(log.errors).toEqual([]);
});

test('stop() waits for a task run in progress: the run ends, then onShutdown, then stop resolves', async () => {
  const vk = await sandbox();
  const events: string[] = [];
  const started = deferred();
  const release = deferred();
  let runs = 0;
  let signal: AbortSignal | undefined;
  const { bot } = await startedBot(vk, (bot) => {
    bot.onShutdown(() => events.push('shutdown'));
    bot.every('20ms', async (task) => {
      runs++;
      if (runs > 1) {
        events.push('a second run');
        return;
      }
      signal = task.signal;
      events.push('run started');
      started.resolve();
      await release.promise;
      events.push('run ended');
    });
  });
  await started.promise;
  const stopping = bot.stop().then((result) => {
    events.push('stopped');
    return result;
  });
  // Let every timer and I/O callback due run: stop() is still waiting for the run.
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(events).toEqual(['run started']);
  release.resolve();
  expect(await stopping).toEqual({ abandoned: 0 });
  expect(events).toEqual(['run started', 'run ended', 'shutdown', 'stopped']);
  expect(signal?.aborted).toBe(false);
  expect(runs).toBe(1);
});

test('a task run that outlives stopTimeoutMs has its signal aborted and is counted as abandoned; no run starts after stop', async () => {
  const vk = await sandbox();
  const started = deferred();
  const aborted = deferred<unknown>();
  let runs = 0;
  let signal: AbortSignal | undefined;
  const { bot } = await startedBot(
    vk,
    (bot) => {
      bot.every('20ms', async (task) => {
        runs++;
        signal = task.signal;
        started.resolve();
        // Ends only when stop() gives up on it.
        await new Promise<void>((resolve) => {
          task.signal.addEventListener('abort', () => {
            aborted.resolve(task.signal.reason);
            resolve();
          });
        });
      });
    },
    { stopTimeoutMs: 50 },
  );
  await started.promise;
  const result = await bot.stop();
  expect(result.abandoned).toBeGreaterThanOrEqual(1);
  expect(signal?.aborted).toBe(true);
  expect(String(await aborted.promise)).toMatch(/abandoned by stop\(\)/);
  const after = runs;
  // Node fires timers by due time: a timer of the task (every 20ms) set before stop() would be due
  // before this one, so its run would have started by now.
  await new Promise((resolve) => setTimeout(resolve, 40));
  expect(runs).toBe(after);
});

test('a malformed message_new (message is no object) crashes nothing, is not silent, and the next message is handled', async () => {
  const vk = await sandbox();
  const got: string[] = [];
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.use(async (ctx, next) => {
      if (ctx.update.type !== 'message_reply') got.push(ctx.update.type);
      await next();
    });
    bot.command('ping', () => 'pong');
    bot.on('message', (ctx) => `echo: ${ctx.text}`);
  });
  vk.emitEvent('message_new', { message: 'not an object' });
  vk.user(USER).send('/ping');
  await seen.until(1);
  // Skipped with an error naming the update type, its event_id and the bad field; not handed to
  // the handlers half-parsed; the next message goes on as usual.
  expect(got).toEqual(['message_new']);
  expect(texts(vk, USER)).toEqual(['pong']);
  expect(log.errors).toEqual([
    {
      fields: expect.objectContaining({
        code: 'long_poll_malformed_update',
        error: expect.stringMatching(/"message_new" \(event_id \w+\) at object\.message/),
      }),
      message: expect.stringContaining('skipped a malformed update'),
    },
  ]);
});
