import { expect, expectTypeOf, test } from 'vitest';
import * as z from 'zod';
import { ArgumentError, arg, usage } from '../src/args/index.js';
import { sandbox, startedBot, texts } from './helpers.js';

// Every argument type read from a real message that a simulated user sends over the sandbox: the
// good value reaches the handler typed, a bad one is answered with what was wrong and the usage.

const USER = 193847562;

test('enum, literal and boolean arguments: read from the message; a bad word is answered with the choices and the usage', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('sort', { args: { order: arg.enum(['asc', 'desc']) } }, (ctx) => {
      expectTypeOf(ctx.args.order).toEqualTypeOf<'asc' | 'desc'>();
      return `order=${ctx.args.order}`;
    });
    bot.command('todo', { args: { action: arg.literal('add'), item: arg.text() } }, (ctx) => {
      expectTypeOf(ctx.args.action).toEqualTypeOf<'add'>();
      return `${ctx.args.action}: ${ctx.args.item}`;
    });
    bot.command('notify', { args: { on: arg.boolean() } }, (ctx) => {
      expectTypeOf(ctx.args.on).toEqualTypeOf<boolean>();
      return `notify=${ctx.args.on}`;
    });
  });
  const user = vk.user(USER);
  user.send('/sort DESC');
  user.send('/sort sideways');
  user.send('/todo add buy milk');
  user.send('/todo remove milk');
  user.send('/notify да');
  user.send('/notify off');
  user.send('/notify maybe');
  await seen.until(7);
  expect(texts(vk, USER)).toEqual([
    // The enum matches any case and gives the value as declared.
    'order=desc',
    '"sideways" is not one of asc or desc (argument <order>)\nUsage: /sort <order>',
    'add: buy milk',
    '"remove" is not "add" (argument <action>)\nUsage: /todo add <item>',
    'notify=true',
    'notify=false',
    '"maybe" is not yes or no (on/off, true/false, 1/0) (argument <on>)\nUsage: /notify <on>',
  ]);
});

test('quoted strings and lists: a quoted string is one argument; a list splits one word; a bad item names itself', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('rename', { args: { from: arg.string(), to: arg.string() } }, (ctx) => {
      expectTypeOf(ctx.args).toEqualTypeOf<{ from: string; to: string }>();
      return `[${ctx.args.from}] -> [${ctx.args.to}]`;
    });
    bot.command('pick', { args: { ids: arg.integer().list() } }, (ctx) => {
      expectTypeOf(ctx.args.ids).toEqualTypeOf<number[]>();
      return `ids=${JSON.stringify(ctx.args.ids)}`;
    });
  });
  const user = vk.user(USER);
  user.send('/rename "old name" «новое имя»');
  user.send('/rename "say \\"hi\\"" x');
  user.send('/rename plain word');
  user.send('/rename "unclosed');
  user.send('/pick 1,2,30');
  user.send('/pick 1,x,3');
  user.send('/pick');
  await seen.until(7);
  expect(texts(vk, USER)).toEqual([
    '[old name] -> [новое имя]',
    '[say "hi"] -> [x]',
    '[plain] -> [word]',
    // A quote never closed is a plain character: the one word takes it, the second is missing.
    'missing <to>: expected a word or "quoted text"\nUsage: /rename <from> <to>',
    'ids=[1,2,30]',
    // (How a list shows in the usage is open: see the failing test at the end.)
    expect.stringMatching(/^"x" is not an integer \(argument <ids>\)\nUsage: \/pick <ids\S*>$/),
    expect.stringMatching(/^missing <ids>: expected an integer\nUsage: \/pick <ids\S*>$/),
  ]);
});

test('chat arguments: a chat id or peer id becomes a peer id; a word that is neither is answered', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('stats', { args: { chat: arg.chat() } }, (ctx) => {
      expectTypeOf(ctx.args.chat).toEqualTypeOf<number>();
      return `peer=${ctx.args.chat}`;
    });
  });
  const user = vk.user(USER);
  user.send('/stats 5');
  user.send('/stats 2000000007');
  user.send('/stats general');
  user.send('/stats -3');
  await seen.until(4);
  expect(texts(vk, USER)).toEqual([
    'peer=2000000005',
    'peer=2000000007',
    '"general" is not a chat id or peer id (argument <chat>)\nUsage: /stats <chat>',
    '"-3" is not a chat id or peer id (argument <chat>)\nUsage: /stats <chat>',
  ]);
});

test('attachment arguments: a photo the user sends is the argument; a message without one is answered', async () => {
  const vk = await sandbox();
  const got: unknown[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.command('avatar', { args: { photo: arg.attachment('photo') } }, (ctx) => {
      expectTypeOf(ctx.args.photo.type).toEqualTypeOf<'photo'>();
      got.push(ctx.args.photo);
      return `photo ${ctx.args.photo.photo.owner_id}_${ctx.args.photo.photo.id}`;
    });
    bot.command('files', { args: { all: arg.attachment().greedy() } }, (ctx) =>
      ctx.args.all.map((item) => item.type).join(','),
    );
  });
  const user = vk.user(USER);
  user.send('/avatar', { attachments: [{ type: 'photo', text: 'me' }] });
  user.send('/avatar', { attachments: [{ type: 'doc', title: 'cv.pdf' }] });
  user.send('/avatar');
  user.send('/files', { attachments: [{ type: 'photo' }, { type: 'doc', title: 'a.txt' }] });
  // A command replying to a message with a photo takes that photo.
  const earlier = user.send('look', { attachments: [{ type: 'photo', text: 'earlier' }] });
  user.send('/avatar', { replyTo: earlier.cmid });
  await seen.until(6);
  const answers = texts(vk, USER);
  expect(got).toHaveLength(2);
  expect((got[1] as { photo: { text: string } }).photo.text).toBe('earlier');
  const photo = (got[0] as { type: string; photo: { owner_id: number; id: number; text: string } }).photo;
  expect(photo.text).toBe('me');
  expect(photo.owner_id).toBe(USER);
  expect(answers).toEqual([
    `photo ${photo.owner_id}_${photo.id}`,
    // A doc is not a photo: the photo argument is still missing.
    'missing <photo>: expected a photo attachment\nUsage: /avatar <photo: attached photo>',
    'missing <photo>: expected a photo attachment\nUsage: /avatar <photo: attached photo>',
    'photo,doc',
    expect.stringMatching(/^photo /),
  ]);
});

test('zod schemas and custom converters as argument types: the output is typed; a rejection is answered with its reason', async () => {
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command(
      'invite',
      {
        args: {
          email: arg.zod(z.email(), { expected: 'an email address' }),
          seats: arg.zod(z.coerce.number().int().min(1)),
        },
      },
      (ctx) => {
        expectTypeOf(ctx.args).toEqualTypeOf<{ email: string; seats: number }>();
        return `${ctx.args.email} x${ctx.args.seats + 0}`;
      },
    );
    bot.command(
      'paint',
      {
        args: {
          color: arg.custom('a hex color', (token) =>
            /^#[\da-f]{6}$/i.test(token) ? { hex: token.toLowerCase() } : undefined,
          ),
          shade: arg
            .custom('a shade', async (token) => {
              if (token === 'dark' || token === 'light') return token;
              if (token === 'grey')
                throw new ArgumentError({
                  code: 'invalid',
                  value: token,
                  expected: 'dark or light',
                  reason: 'grey is not a shade, it is a colour',
                });
              return undefined;
            })
            .optional(),
        },
      },
      (ctx) => {
        expectTypeOf(ctx.args.color).toEqualTypeOf<{ hex: string }>();
        return `paint ${ctx.args.color.hex} ${ctx.args.shade ?? 'plain'}`;
      },
    );
  });
  const user = vk.user(USER);
  user.send('/invite anna@example.com 3');
  user.send('/invite not-an-email 3');
  user.send('/invite anna@example.com 2.5');
  user.send('/paint #FF8800 dark');
  user.send('/paint red');
  user.send('/paint #00ff00 grey');
  user.send('/paint #00ff00');
  await seen.until(7);
  const answers = texts(vk, USER);
  expect(answers[0]).toBe('anna@example.com x3');
  expect(answers[1]).toMatch(
    /^"not-an-email" is not an email address: .+ \(argument <email>\)\nUsage: \/invite <email> <seats>$/,
  );
  expect(answers[2]).toMatch(
    /^"2\.5" is not a valid value: .+ \(argument <seats>\)\nUsage: \/invite <email> <seats>$/,
  );
  expect(answers.slice(3)).toEqual([
    'paint #ff8800 dark',
    '"red" is not a hex color (argument <color>)\nUsage: /paint <color> [shade]',
    'grey is not a shade, it is a colour (argument <shade>)\nUsage: /paint <color> [shade]',
    'paint #00ff00 plain',
  ]);
});

// A `.list()` argument takes ONE word split by its separator (`/pick 1,2,3`): its usage names the
// separator (`<ids,...>`, a greedy one is `<ids...>`), and space-separated items after it are an
// error that says how to write them, never dropped without a word (this was a bug).
test('a list argument: its usage differs from a greedy one, and space-separated items are not silently dropped', async () => {
  expect(usage({ ids: arg.integer().list() }, '/pick')).not.toBe(
    usage({ ids: arg.integer().greedy() }, '/pick'),
  );
  const vk = await sandbox();
  const { seen } = await startedBot(vk, (bot) => {
    bot.command(
      'pick',
      { args: { ids: arg.integer().list() } },
      (ctx) => `ids=${JSON.stringify(ctx.args.ids)}`,
    );
  });
  vk.user(USER).send('/pick 1 2 3');
  await seen.until(1);
  expect(texts(vk, USER)).toEqual([
    'items are separated by ",": "2 3" was not read (argument <ids>)\nUsage: /pick <ids,...>',
  ]);
});
