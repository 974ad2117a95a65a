import { VkwireConfigError } from '@vkwire/core';
import type { VkMessage } from '@vkwire/events-schema';
import { describe, expect, test } from 'vitest';
import * as z from 'zod';
import { type ArgsSpec, ArgumentError, arg, checkArgsSpec, parseArgs, tokenize } from '../src/args/index.js';

/** The ArgumentError a parse fails with. */
async function failure(
  spec: ArgsSpec,
  text: string,
  options: { strict?: boolean } = {},
): Promise<ArgumentError> {
  const error = await parseArgs(spec, text, {}, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ArgumentError)) throw new Error(`expected an ArgumentError, got ${String(error)}`);
  return error;
}

describe('words and quotes', () => {
  test('splits on any whitespace and groups quoted words, with \\" inside', () => {
    expect(tokenize('  a\tb\n"c d" «е ж» “x y” "say \\"hi\\""').map((token) => token.value)).toEqual([
      'a',
      'b',
      'c d',
      'е ж',
      'x y',
      'say "hi"',
    ]);
  });

  test('a VK mention is one word even when the name has spaces', () => {
    expect(tokenize('[id1|Pavel Durov] and [club2|Our Team]x').map((token) => token.value)).toEqual([
      '[id1|Pavel Durov]',
      'and',
      '[club2|Our',
      'Team]x',
    ]);
  });

  test('a quote that is never closed, or closed inside a word, is an ordinary character', () => {
    expect(tokenize('"open here').map((token) => token.value)).toEqual(['"open', 'here']);
    expect(tokenize('"a"b c').map((token) => token.value)).toEqual(['"a"b', 'c']);
  });
});

describe('numbers', () => {
  test('integer takes whole numbers and names the argument when it gets something else', async () => {
    expect(await parseArgs({ count: arg.integer() }, '-42', {})).toEqual({ count: -42 });
    const error = await failure({ count: arg.integer() }, 'abc');
    expect(error).toMatchObject({ code: 'invalid', argument: 'count', value: 'abc', expected: 'an integer' });
    expect(error.message).toBe('"abc" is not an integer (argument <count>)');
    expect((await failure({ count: arg.integer() }, '2.5')).code).toBe('invalid');
    expect((await failure({ count: arg.integer() }, '99999999999999999999')).code).toBe('invalid');
  });

  test('number takes a dot or a comma as the decimal mark', async () => {
    expect(await parseArgs({ a: arg.number(), b: arg.number(), c: arg.number() }, '1.5 2,25 .5', {})).toEqual(
      {
        a: 1.5,
        b: 2.25,
        c: 0.5,
      },
    );
    expect((await failure({ x: arg.number() }, '1.2.3')).message).toBe(
      '"1.2.3" is not a number (argument <x>)',
    );
    expect((await failure({ x: arg.number() }, 'NaN')).code).toBe('invalid');
  });

  test('min and max give out_of_range naming the range', async () => {
    const spec = { count: arg.integer().min(1).max(10) };
    expect(await parseArgs(spec, '10', {})).toEqual({ count: 10 });
    const high = await failure(spec, '11');
    expect(high).toMatchObject({ code: 'out_of_range', expected: 'from 1 to 10', value: '11' });
    expect(high.message).toBe('11 is out of range: must be from 1 to 10 (argument <count>)');
    expect((await failure({ n: arg.number().min(0.5) }, '0,4')).message).toBe(
      '0,4 is out of range: must be at least 0.5 (argument <n>)',
    );
    expect((await failure({ n: arg.number().max(3) }, '4')).expected).toBe('at most 3');
  });
});

describe('text', () => {
  test('word takes one word; a quoted group with spaces is not one', async () => {
    expect(await parseArgs({ a: arg.word(), b: arg.word() }, 'hello "there"', {})).toEqual({
      a: 'hello',
      b: 'there',
    });
    expect((await failure({ a: arg.word() }, '"two words"')).message).toBe(
      '"two words" is not a single word (argument <a>)',
    );
  });

  test('string takes a word or quoted words', async () => {
    const spec = { title: arg.string(), tag: arg.string() };
    expect(await parseArgs(spec, '"My \\"best\\" day" «тег»', {})).toEqual({
      title: 'My "best" day',
      tag: 'тег',
    });
  });

  test('text takes the rest verbatim, spacing and line breaks kept', async () => {
    const spec = { who: arg.word(), message: arg.text() };
    expect(await parseArgs(spec, 'bob  hello,\n  "world"  ', {})).toEqual({
      who: 'bob',
      message: 'hello,\n  "world"',
    });
  });

  test('text length limits count characters', async () => {
    const spec = { name: arg.text().min(2).max(5) };
    expect(await parseArgs(spec, '🙂🙂🙂', {})).toEqual({ name: '🙂🙂🙂' });
    expect((await failure(spec, 'toolong')).message).toBe(
      '"toolong" is too long: must be from 2 to 5 characters (argument <name>)',
    );
    expect((await failure(spec, 'a')).message).toBe(
      '"a" is too short: must be from 2 to 5 characters (argument <name>)',
    );
  });
});

describe('choices', () => {
  test('enum matches any case and gives the value as declared', async () => {
    expect(await parseArgs({ sort: arg.enum(['asc', 'desc']) }, 'DESC', {})).toEqual({ sort: 'desc' });
    const error = await failure({ sort: arg.enum(['asc', 'desc', 'random']) }, 'up');
    expect(error.message).toBe('"up" is not one of asc, desc or random (argument <sort>)');
    expect(error.expected).toBe('one of asc, desc or random');
  });

  test('literal takes exactly its word', async () => {
    const spec = { action: arg.literal('add'), item: arg.text() };
    expect(await parseArgs(spec, 'Add milk', {})).toEqual({ action: 'add', item: 'milk' });
    expect((await failure(spec, 'remove milk')).message).toBe('"remove" is not "add" (argument <action>)');
  });

  test('boolean reads yes/no/true/false/on/off/1/0 and да/нет', async () => {
    const spec = { a: arg.boolean().greedy() };
    expect(await parseArgs(spec, 'yes no TRUE false on off 1 0 да Нет', {})).toEqual({
      a: [true, false, true, false, true, false, true, false, true, false],
    });
    expect((await failure({ a: arg.boolean() }, 'maybe')).message).toBe(
      '"maybe" is not yes or no (on/off, true/false, 1/0) (argument <a>)',
    );
  });
});

describe('durations', () => {
  test('10m, 1h30m, 45s, 2d, 1w, 500ms and Russian units become milliseconds', async () => {
    const spec = { d: arg.duration().greedy() };
    expect(await parseArgs(spec, '10m 1h30m 45s 2d 1w 500ms 1.5h 10мин 2ч', {})).toEqual({
      d: [600_000, 5_400_000, 45_000, 172_800_000, 604_800_000, 500, 5_400_000, 600_000, 7_200_000],
    });
  });

  test('a bare number or an unknown unit is not a duration', async () => {
    expect((await failure({ d: arg.duration() }, '10')).message).toBe(
      '"10" is not a duration such as 10m, 1h30m or 2d (argument <d>)',
    );
    expect((await failure({ d: arg.duration() }, '10y')).code).toBe('invalid');
    expect((await failure({ d: arg.duration() }, 'm')).code).toBe('invalid');
  });

  test('ranges are in milliseconds and shown as durations', async () => {
    const spec = { d: arg.duration().min(60_000).max(86_400_000) };
    expect((await failure(spec, '2d')).message).toBe(
      '2d is out of range: must be from 1m to 1d (argument <d>)',
    );
    expect((await failure(spec, '30s')).expected).toBe('from 1m to 1d');
  });
});

describe('chats', () => {
  test('a chat id or a peer id gives the peer id', async () => {
    expect(await parseArgs({ a: arg.chat(), b: arg.chat() }, '5 2000000007', {})).toEqual({
      a: 2_000_000_005,
      b: 2_000_000_007,
    });
    expect((await failure({ a: arg.chat() }, 'general')).message).toBe(
      '"general" is not a chat id or peer id (argument <a>)',
    );
  });
});

describe('zod and custom converters', () => {
  test('a zod schema parses a word, with the schema message when it fails', async () => {
    const spec = { port: arg.zod(z.coerce.number().int().min(1024), { expected: 'a port number' }) };
    expect(await parseArgs(spec, '8080', {})).toEqual({ port: 8080 });
    const error = await failure(spec, '80');
    expect(error.code).toBe('invalid');
    expect(error.message).toMatch(/^"80" is not a port number: .*1024.* \(argument <port>\)$/);
  });

  test('a zod schema with rest: true parses the rest of the text', async () => {
    const spec = {
      words: arg.zod(
        z.string().transform((text) => text.split(' ').length),
        { rest: true },
      ),
    };
    expect(await parseArgs(spec, 'one two three', {})).toEqual({ words: 3 });
  });

  test('a custom converter gives its value, undefined means no match, its ArgumentError keeps its words', async () => {
    const color = arg.custom('a hex color', (token) => {
      if (token === 'red')
        throw new ArgumentError({
          code: 'invalid',
          value: token,
          expected: 'a hex color',
          reason: 'use #ff0000 for red',
        });
      return /^#[\da-f]{6}$/i.test(token) ? token.toLowerCase() : undefined;
    });
    expect(await parseArgs({ color }, '#FF8800', {})).toEqual({ color: '#ff8800' });
    expect((await failure({ color }, 'blue')).message).toBe('"blue" is not a hex color (argument <color>)');
    const red = await failure({ color }, 'red');
    expect(red.message).toBe('use #ff0000 for red (argument <color>)');
    expect(red.argument).toBe('color');
  });

  test('async custom converters are awaited; their other errors are bugs, not user errors', async () => {
    const later = arg.custom('a day', async (token) => (token === 'today' ? 0 : undefined));
    expect(await parseArgs({ later }, 'today', {})).toEqual({ later: 0 });
    const broken = arg.custom('anything', () => {
      throw new TypeError('bug');
    });
    await expect(parseArgs({ broken }, 'x', {})).rejects.toThrow(TypeError);
  });
});

describe('optional, default, missing', () => {
  test('a missing required argument is a missing error naming it', async () => {
    const error = await failure({ count: arg.integer(), name: arg.word() }, '5');
    expect(error).toMatchObject({ code: 'missing', argument: 'name', expected: 'a single word' });
    expect(error.message).toBe('missing <name>: expected a single word');
  });

  test('optional gives undefined, default its value', async () => {
    const spec = {
      a: arg.integer().optional(),
      b: arg.integer().default(5),
      c: arg.duration().default(60_000),
    };
    expect(await parseArgs(spec, '', {})).toEqual({ a: undefined, b: 5, c: 60_000 });
    expect(await parseArgs(spec, '1 2 3m', {})).toEqual({ a: 1, b: 2, c: 180_000 });
  });

  test('a word an optional argument cannot take goes to the next argument', async () => {
    const spec = { count: arg.integer().default(1), item: arg.text() };
    expect(await parseArgs(spec, 'apples and pears', {})).toEqual({ count: 1, item: 'apples and pears' });
    expect(await parseArgs(spec, '3 apples', {})).toEqual({ count: 3, item: 'apples' });
  });

  test('with no argument after it, a word an optional argument cannot take is an error', async () => {
    expect((await failure({ count: arg.integer().optional() }, 'abc')).message).toBe(
      '"abc" is not an integer (argument <count>)',
    );
  });

  test('an out-of-range value is an error even when the argument is optional', async () => {
    const spec = { count: arg.integer().max(5).optional(), rest: arg.text().optional() };
    expect((await failure(spec, '9 things')).code).toBe('out_of_range');
  });
});

describe('greedy and list', () => {
  test('greedy takes one or more words, stopping at the first that does not fit', async () => {
    const spec = { numbers: arg.number().greedy(), label: arg.text().optional() };
    expect(await parseArgs(spec, '1 2,5 3 total', {})).toEqual({ numbers: [1, 2.5, 3], label: 'total' });
    expect((await failure({ numbers: arg.number().greedy() }, '')).code).toBe('missing');
  });

  test('a required greedy argument with nothing that fits says what was wrong', async () => {
    const error = await failure({ numbers: arg.number().greedy(), label: arg.text().optional() }, 'abc');
    expect(error.message).toBe('"abc" is not a number (argument <numbers>)');
  });

  test('greedy at the end: a word that does not fit is an error, not silently dropped', async () => {
    expect((await failure({ numbers: arg.number().greedy() }, '1 2 abc')).message).toBe(
      '"abc" is not a number (argument <numbers>)',
    );
  });

  test('optional greedy is zero or more; default gives its array', async () => {
    expect(await parseArgs({ tags: arg.word().greedy().optional() }, '', {})).toEqual({ tags: [] });
    expect(await parseArgs({ ids: arg.integer().greedy().default([1, 2]) }, '', {})).toEqual({ ids: [1, 2] });
  });

  test('list splits one word by its separator', async () => {
    expect(await parseArgs({ ids: arg.integer().list() }, '1,2,,3', {})).toEqual({ ids: [1, 2, 3] });
    expect(await parseArgs({ tags: arg.word().list(';') }, 'a;b', {})).toEqual({ tags: ['a', 'b'] });
    expect((await failure({ ids: arg.integer().list() }, '1,x')).message).toBe(
      '"x" is not an integer (argument <ids>)',
    );
    expect((await failure({ ids: arg.integer().max(2).list() }, '1,3')).code).toBe('out_of_range');
  });
});

describe('named options and flags', () => {
  const spec = {
    numbers: arg.number().greedy(),
    limit: arg.integer().min(1).named().optional(),
    reverse: arg.flag(),
    dryRun: arg.flag(),
  };

  test('flags and options stand anywhere among the positional words', async () => {
    expect(await parseArgs(spec, '--reverse 1 --limit 2 3', {})).toEqual({
      numbers: [1, 3],
      limit: 2,
      reverse: true,
      dryRun: false,
    });
    expect(await parseArgs(spec, '1 2 --limit=5 --dry-run', {})).toEqual({
      numbers: [1, 2],
      limit: 5,
      reverse: false,
      dryRun: true,
    });
  });

  test('--no-flag and --flag=off give false; a phone em dash counts as --', async () => {
    expect(await parseArgs(spec, '1 --no-reverse —dry-run', {})).toMatchObject({
      reverse: false,
      dryRun: true,
    });
    expect(await parseArgs(spec, '1 --reverse=off', {})).toMatchObject({ reverse: false });
    expect((await failure(spec, '1 --reverse=perhaps')).code).toBe('invalid');
  });

  test('an unknown option is an error listing the known ones', async () => {
    const error = await failure(spec, '1 --revers');
    expect(error.code).toBe('unknown_flag');
    expect(error.message).toBe(
      'unknown option --revers: this command has --limit, --reverse, --dry-run (write -- before text that starts with --)',
    );
  });

  test('an option without its value, a bad value, or given twice is an error about the option', async () => {
    expect((await failure(spec, '1 --limit')).message).toBe('--limit needs a value: an integer');
    expect((await failure(spec, '1 --limit --reverse')).code).toBe('missing');
    expect((await failure(spec, '1 --limit x')).message).toBe('"x" is not an integer (argument --limit)');
    expect((await failure(spec, '1 --limit 0')).message).toBe(
      '0 is out of range: must be at least 1 (argument --limit)',
    );
    const twice = await failure(spec, '1 --limit 2 --limit 3');
    expect(twice.code).toBe('repeated_option');
    expect(twice.message).toBe('--limit is given more than once');
  });

  test('a greedy option may be repeated; named(name) sets the option name; a required option may be missing', async () => {
    const tagged = { tags: arg.word().named('tag').greedy().optional(), to: arg.string().named() };
    expect(await parseArgs(tagged, '--tag a --to "x y" --tag b', {})).toEqual({
      tags: ['a', 'b'],
      to: 'x y',
    });
    expect((await failure(tagged, '--tag a')).message).toBe('missing --to: expected a word or "quoted text"');
  });

  test('-- ends the options: what follows is text', async () => {
    const say = { loud: arg.flag(), message: arg.text() };
    expect(await parseArgs(say, '--loud -- --not-an-option here', {})).toEqual({
      loud: true,
      message: '--not-an-option here',
    });
  });

  test('without any named arguments, --words are ordinary text', async () => {
    expect(await parseArgs({ message: arg.text() }, '--hello there', {})).toEqual({
      message: '--hello there',
    });
  });

  test('text keeps its spacing around an option cut out of it', async () => {
    const say = { loud: arg.flag(), message: arg.text() };
    expect(await parseArgs(say, 'hello  big --loud world', {})).toEqual({
      loud: true,
      message: 'hello  big world',
    });
  });
});

describe('strict mode', () => {
  test('text left over is an extra_text error in strict mode and ignored otherwise', async () => {
    const spec = { count: arg.integer() };
    expect(await parseArgs(spec, '5 and more', {})).toEqual({ count: 5 });
    const error = await failure(spec, '5 and  more', { strict: true });
    expect(error).toMatchObject({ code: 'extra_text', value: 'and  more' });
    expect(error.message).toBe('unexpected text "and  more" after the arguments');
    expect(await parseArgs({}, '', {}, { strict: true })).toEqual({});
  });
});

describe('attachments', () => {
  const photo = (id: number) => ({ type: 'photo', photo: { id, owner_id: 1, date: 0, sizes: [] } });
  const doc = {
    type: 'doc',
    doc: { id: 9, owner_id: 1, title: 'a.pdf', size: 1, ext: 'pdf', url: 'https://x' },
  };
  const message = (attachments: unknown[], reply?: unknown): VkMessage =>
    ({
      id: 1,
      conversation_message_id: 1,
      peer_id: 1,
      from_id: 1,
      date: 0,
      out: false,
      text: '',
      attachments,
      fwd_messages: [],
      ...(reply ? { reply_message: reply } : {}),
    }) as VkMessage;

  test('come from the message, by type, each attachment to one argument', async () => {
    const spec = { first: arg.attachment('photo'), second: arg.attachment('photo'), file: arg.attachment() };
    const args = await parseArgs(spec, 'caption', { message: message([photo(1), doc, photo(2)]) });
    expect(args.first.photo.id).toBe(1);
    expect(args.second.photo.id).toBe(2);
    expect(args.file.type).toBe('doc');
  });

  test('greedy takes all of a type; the replied message counts when the message has none', async () => {
    const spec = { photos: arg.attachment('photo').greedy() };
    const own = await parseArgs(spec, '', { message: message([photo(1), photo(2)]) });
    expect(own.photos.map((item) => item.photo.id)).toEqual([1, 2]);
    const replied = await parseArgs(spec, '', {
      message: message([], { date: 0, from_id: 5, text: '', attachments: [photo(7)] }),
    });
    expect(replied.photos.map((item) => item.photo.id)).toEqual([7]);
  });

  test('a missing attachment names what to attach; optional gives undefined', async () => {
    const error = await parseArgs({ image: arg.attachment('photo') }, '', { message: message([doc]) }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ArgumentError);
    expect((error as ArgumentError).message).toBe('missing <image>: expected a photo attachment');
    expect(await parseArgs({ image: arg.attachment('photo').optional() }, '', {})).toEqual({
      image: undefined,
    });
  });
});

describe('spec mistakes are configuration errors', () => {
  test('an argument after text(), two options with one name, min above max, range on an enum', async () => {
    expect(() => checkArgsSpec({ rest: arg.text(), after: arg.word() })).toThrow(
      'args: `after` must be named (.named()) or placed before <rest>, which takes the rest of the text',
    );
    await expect(parseArgs({ rest: arg.text(), after: arg.word() }, '', {})).rejects.toThrow(
      VkwireConfigError,
    );
    expect(() => checkArgsSpec({ a: arg.flag().named('x'), b: arg.word().named('x') })).toThrow(
      /--x is taken/,
    );
    expect(() => arg.integer().max(1).min(5)).toThrow(VkwireConfigError);
    // @ts-expect-error a spec value that is not an argument
    expect(() => checkArgsSpec({ a: 5 })).toThrow(VkwireConfigError);
    expect(() => (arg.enum(['a']) as unknown as ReturnType<typeof arg.word>).min(1)).toThrow(
      'arg.enum(): `min` must be used only on numbers, integers, durations and text (not on enum)',
    );
    expect(() => arg.text().greedy()).toThrow(VkwireConfigError);
    expect(() => arg.integer().list('')).toThrow(VkwireConfigError);
    expect(() => arg.integer().named('bad name')).toThrow(VkwireConfigError);
  });
});
