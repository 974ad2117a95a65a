import { Bot } from '@vkwire/bot-framework';
import { silentLogger } from '@vkwire/core';
import { normalizeSync, parseUpdate, type VkParsedUpdate } from '@vkwire/events-schema';
import { createSandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { createConsumer } from '../src/bus/consumer-index.js';
import { connectRedis } from '../src/connection.js';
import { deferred, uniqueStream, writeEvent } from './consumer-helpers.js';

test('a bot worker: a consumer whose handler is bot.handleUpdate(event.raw) answers /ping from the bus', async () => {
  await using vk = await createSandbox();
  const stream = uniqueStream();
  const layout = { stream, partitions: 4 };
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: silentLogger });
  const replied = deferred();
  bot.command('ping', async (ctx) => {
    await ctx.reply('pong');
    replied.resolve();
  });
  const consumer = createConsumer({
    redis: redisUrl(),
    stream,
    partitions: 4,
    group: 'bots',
    logger: silentLogger,
    // event.raw is the VK update as parsed (VkwireRawUpdate): the bot's input.
    handler: (event, context) => bot.handleUpdate(event.raw as VkParsedUpdate, context),
  });
  await consumer.start();
  vk.user(193847562).send('/ping');
  const writer = await connectRedis(redisUrl(), 'test');
  for (const update of vk.events()) await writeEvent(writer, layout, normalizeSync(parseUpdate(update)));
  await replied.promise;
  await consumer.stop();
  await bot.stop();
  await writer.close();
  expect(vk.sent({ peer: 193847562 }).map((message) => message.text)).toEqual(['pong']);
});
