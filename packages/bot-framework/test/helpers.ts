import { createSandbox, type Sandbox, type SandboxOptions } from '@vkwire/sandbox';
import { afterEach } from 'vitest';
import { Bot, type BotOptions } from '../src/bot.js';
import type { Composer } from '../src/composer.js';
import type { BaseContext } from '../src/context.js';

const stops: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** Runs `stop` after the test (in reverse order of registration). */
export function cleanup(stop: () => Promise<unknown>): void {
  stops.push(stop);
}

/** A sandbox without rate limits, closed after the test. */
export async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const vk = await createSandbox({ rateLimit: false, ...options });
  cleanup(() => vk.close());
  return vk;
}

/**
 * Counts updates the bot finished handling (the first middleware): `await seen.until(3)` resolves
 * once three updates went through the whole tree, replies included.
 */
export function track<C extends BaseContext>(
  bot: Composer<C>,
  // The echoes of the bot's own messages are not counted unless asked for.
  ignore: readonly string[] = ['message_reply', 'message_edit'],
): { count: () => number; until: (n: number) => Promise<void>; types: string[] } {
  let count = 0;
  const types: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  bot.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      types.push(ctx.update.type);
      if (!ignore.includes(ctx.update.type)) count++;
      for (const waiter of waiters.filter((item) => item.n <= count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  return {
    count: () => count,
    types,
    until: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/** Collects what the logger got. */
export function memoryLogger(): {
  logger: {
    debug: () => void;
    info: () => void;
    warn: (o: object, m?: string) => void;
    error: (o: object, m?: string) => void;
  };
  warnings: Array<{ fields: object; message: string | undefined }>;
  errors: Array<{ fields: object; message: string | undefined }>;
} {
  const warnings: Array<{ fields: object; message: string | undefined }> = [];
  const errors: Array<{ fields: object; message: string | undefined }> = [];
  return {
    warnings,
    errors,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (fields, message) => warnings.push({ fields, message }),
      error: (fields, message) => errors.push({ fields, message }),
    },
  };
}

/** A promise with its resolve function (Promise.withResolvers needs Node 22). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * A started bot over Bots Long Poll on the sandbox (stopped after the test), with a memory logger
 * and a tracker of finished updates: `await seen.until(n)`.
 */
export async function startedBot(vk: Sandbox, setup: (bot: Bot) => void, options: Partial<BotOptions> = {}) {
  const log = memoryLogger();
  const bot = new Bot({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    logger: log.logger,
    longPoll: { wait: 1 },
    ...options,
  });
  const seen = track(bot);
  setup(bot);
  await bot.start();
  cleanup(() => bot.stop());
  return { bot, seen, log };
}

/** The texts the bot sent to a peer, in order. */
export function texts(vk: Sandbox, peer: number): string[] {
  return vk.sent({ peer }).map((message) => message.text);
}
