import type { VkParsedUpdate } from '@vkwire/events-schema';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { Composer } from '../src/composer.js';
import { BotMiddlewareError } from '../src/errors.js';
import { cleanup, memoryLogger, sandbox } from './helpers.js';

/** A bot fed through handleUpdate with messages a sandbox user wrote. */
async function fed(setup: (bot: Bot) => void) {
  const vk = await sandbox();
  const log = memoryLogger();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: log.logger, help: false });
  cleanup(() => bot.stop());
  setup(bot);
  const send = async (text: string) => {
    vk.user(1).send(text);
    await bot.handleUpdate(vk.events().at(-1) as unknown as VkParsedUpdate);
  };
  return { send, log };
}

test('order is registration order: a command added after other middleware runs after it', async () => {
  const calls: string[] = [];
  const { send } = await fed((bot) => {
    bot.command('a', async (_ctx, next) => {
      calls.push('a first');
      await next();
    });
    bot.command('b', () => {
      calls.push('b');
    });
    bot.command('a', async (_ctx, next) => {
      calls.push('a second');
      await next();
    });
    bot.use(async (_ctx, next) => {
      calls.push('use');
      await next();
    });
    bot.command('a', () => {
      calls.push('a third');
    });
    bot.on('message', () => {
      calls.push('never');
    });
  });
  await send('/a');
  expect(calls).toEqual(['a first', 'a second', 'use', 'a third']);
  calls.length = 0;
  await send('/b');
  expect(calls).toEqual(['b']);
  calls.length = 0;
  await send('/c');
  expect(calls).toEqual(['use', 'never']);
});

test('calling next() twice is a BotMiddlewareError, reported like any handler error', async () => {
  const errors: Error[] = [];
  const { send } = await fed((bot) => {
    bot.catch((error) => {
      errors.push(error);
    });
    bot.use(async (_ctx, next) => {
      await next();
      await next();
    });
  });
  await send('hi');
  expect(errors).toEqual([expect.any(BotMiddlewareError)]);
  expect(errors[0]).toMatchObject({ code: 'next_called_twice' });
});

test('an error boundary does not catch what runs after its tree', async () => {
  const seen: string[] = [];
  const { send } = await fed((bot) => {
    bot.catch((error) => {
      seen.push(`bot: ${error.message}`);
    });
    const router = new Composer();
    router.catch((error) => {
      seen.push(`router: ${error.message}`);
    });
    router.use((_ctx, next) => next());
    bot.use(router);
    bot.on('message', () => {
      throw new Error('after the router');
    });
  });
  await send('hi');
  expect(seen).toEqual(['bot: after the router']);
});

test('hears in a row: each tried in order, next() hands over to the next matching one', async () => {
  const calls: string[] = [];
  const { send } = await fed((bot) => {
    bot.hears(/^hello/, async (ctx, next) => {
      calls.push(`first ${ctx.match[0]}`);
      await next();
    });
    bot.hears('nothing', () => {
      calls.push('never');
    });
    bot.hears([/^hel/, 'other'], (ctx) => {
      calls.push(`second ${ctx.match[0]}`);
    });
    bot.on('message', () => {
      calls.push('fallback');
    });
  });
  await send('hello there');
  await send('  OTHER ');
  await send('bye');
  expect(calls).toEqual(['first hello', 'second hel', 'second   OTHER ', 'fallback']);
});
