import { expect, test } from 'vitest';
import { BotMiddlewareError } from '../src/errors.js';
import { chain } from '../src/middleware.js';

type Log = string[];

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('middleware runs in order, and code after `await next()` runs once the rest finished its async work', async () => {
  const log: Log = [];
  const run = chain<Log>([
    async (ctx, next) => {
      ctx.push('outer before');
      await next();
      ctx.push('outer after');
    },
    // A filter that hands on what next() returned.
    (_ctx, next) => next(),
    async (ctx) => {
      await tick();
      ctx.push('handler done');
    },
  ]);
  await run(log, async () => {
    log.push('after the chain');
  });
  expect(log).toEqual(['outer before', 'handler done', 'outer after']);
});

test("the chain's promise waits for a middleware's own promise, a thenable included", async () => {
  const log: Log = [];
  const thenable = {
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is what this test is about
    then(resolve: () => void) {
      setImmediate(() => {
        log.push('thenable settled');
        resolve();
      });
    },
  };
  const run = chain<Log>([(_ctx, next) => next(), () => thenable, () => log.push('never')]);
  await run(log, () => Promise.resolve());
  expect(log).toEqual(['thenable settled']);
});

test('what a handler returns does not come out of next()', async () => {
  let value: unknown = 'unset';
  await chain<Log>([
    async (_ctx, next) => {
      value = await next();
    },
    () => Promise.resolve(7),
  ])([], () => Promise.resolve());
  expect(value).toBeUndefined();
});

test('a middleware throwing, at once or later, rejects the chain with its error', async () => {
  const boom = new Error('boom');
  const sync = chain<Log>([
    (_ctx, next) => next(),
    () => {
      throw boom;
    },
  ]);
  await expect(sync([], () => Promise.resolve())).rejects.toBe(boom);
  const later = chain<Log>([
    (_ctx, next) => next(),
    async () => {
      await tick();
      throw boom;
    },
  ]);
  await expect(later([], () => Promise.resolve())).rejects.toBe(boom);
});

test('calling next() twice is a BotMiddlewareError', async () => {
  const run = chain<Log>([
    async (_ctx, next) => {
      await next();
      await next();
    },
    () => undefined,
  ]);
  const error = await Promise.resolve(run([], () => Promise.resolve())).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(BotMiddlewareError);
  expect(error).toMatchObject({ name: 'BotMiddlewareError', code: 'next_called_twice' });
});

test('a middleware that does not call next() ends the chain', async () => {
  const log: Log = [];
  const run = chain<Log>([(ctx) => void ctx.push('stop here'), (ctx) => void ctx.push('never')]);
  await run(log, async () => void log.push('never either'));
  expect(log).toEqual(['stop here']);
});
