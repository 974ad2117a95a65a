import { expect, test } from 'vitest';
import { button } from '../src/keyboard/button.js';
import { Carousel } from '../src/keyboard/carousel.js';
import { Keyboard } from '../src/keyboard/keyboard.js';
import { sandbox, startedBot } from './helpers.js';

const USER = 193847562;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

test('ctx answers: photo and document uploads, typing, editing the pressed message, deleting', async () => {
  const vk = await sandbox();
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.command('photo', (ctx) =>
      ctx.replyWithPhoto({ data: PNG, filename: 'dot.png' }, { message: 'a dot' }),
    );
    bot.command('doc', (ctx) =>
      ctx.replyWithDoc({ data: Buffer.from('hello'), filename: 'hello.txt' }, { title: 'greeting' }),
    );
    bot.command('typing', async (ctx) => {
      await ctx.typing();
      return 'typed';
    });
    bot.command('menu', (ctx) =>
      ctx.reply({ message: 'v1', keyboard: Keyboard.inline().callback('edit me', { payload: { edit: 1 } }) }),
    );
    bot.button({ edit: 1 }, async (ctx) => {
      await ctx.edit('v2');
      await ctx.answer({ type: 'show_snackbar', text: 'edited' });
    });
    bot.hears('delete me', (ctx) => ctx.delete());
  });

  vk.user(USER).send('/photo');
  vk.user(USER).send('/doc');
  vk.user(USER).send('/typing');
  vk.user(USER).send('/menu');
  await seen.until(4);
  const [photo, doc, typed, menu] = vk.sent({ peer: USER });
  expect(photo).toMatchObject({ text: 'a dot', attachments: [expect.stringMatching(/^photo-?\d+_\d+/)] });
  expect(doc?.attachments).toEqual([expect.stringMatching(/^doc-?\d+_\d+/)]);
  expect(typed?.text).toBe('typed');
  expect(vk.calls({ method: 'messages.setActivity' })).toHaveLength(1);

  vk.user(USER).pressCallbackButton(USER, menu?.cmid ?? 0, { edit: 1 });
  await seen.until(5);
  expect(vk.sent({ peer: USER })[3]?.text).toBe('v2');
  expect(vk.eventAnswers({ peer: USER })).toEqual([expect.objectContaining({ snackbar: 'edited' })]);

  const doomed = vk.user(USER).send('delete me');
  await seen.until(6);
  const [deletion] = vk.calls({ method: 'messages.delete' });
  expect(deletion?.params).toMatchObject({
    peer_id: String(USER),
    cmids: String(doomed.cmid),
    delete_for_all: '1',
  });
  expect(deletion?.errorCode).toBeUndefined();
  expect(log.errors).toEqual([]);
});

test('a reply outside a conversation is a clear error, reported with the update type', async () => {
  const vk = await sandbox();
  const { seen, log } = await startedBot(vk, (bot) => {
    bot.on('group_join', (ctx) => ctx.reply('hi'));
  });
  vk.user(USER).join();
  await seen.until(1);
  await expect.poll(() => log.errors.length).toBe(1);
  expect(log.errors[0]?.message).toContain(
    'ctx.reply() needs an update in a conversation; group_join has none',
  );
});

test('a carousel built with Carousel goes out as the template', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('shop', (ctx) =>
      ctx.reply({
        message: 'Menu',
        template: new Carousel()
          .element({
            title: 'Tea',
            description: 'Green',
            buttons: [button.text('Buy tea', { payload: { buy: 1 } })],
          })
          .element({
            title: 'Coffee',
            description: 'Black',
            buttons: [button.text('Buy coffee', { payload: { buy: 2 } })],
          }),
      }),
    );
  });
  vk.user(USER).send('/shop');
  await seen.until(1);
  expect(vk.sent({ peer: USER })[0]?.template).toMatchObject({
    type: 'carousel',
    elements: [{ title: 'Tea' }, { title: 'Coffee' }],
  });
});
