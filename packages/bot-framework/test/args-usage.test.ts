import { describe, expect, test } from 'vitest';
import { arg, describeArgs, usage } from '../src/args/index.js';

describe('usage lines', () => {
  test('positional, greedy, options and flags read as a user types them', () => {
    const spec = {
      numbers: arg.number().greedy(),
      limit: arg.integer().named().optional(),
      reverse: arg.flag(),
    };
    expect(usage(spec, '/sum')).toBe('/sum <numbers...> [--limit <integer>] [--reverse]');
  });

  test('optional arguments are bracketed with their defaults; literals show as their word; attachments say what to attach', () => {
    const spec = {
      action: arg.literal('remind'),
      delay: arg.duration().default(600_000),
      count: arg.integer().default(3),
      tags: arg.word().greedy().optional(),
      photo: arg.attachment('photo').optional(),
      sort: arg.enum(['asc', 'desc']).named(),
      to: arg.string().named('to').greedy(),
    };
    expect(usage(spec, '/todo')).toBe(
      '/todo remind [delay=10m] [count=3] [tags...] [photo: attached photo] --sort <asc|desc> --to <string>...',
    );
  });
});

describe('describeArgs', () => {
  test('gives every argument as JSON for help pages and bot.describe()', () => {
    const spec = {
      count: arg.integer().min(1).max(10).default(5).describe('how many'),
      mode: arg.enum(['fast', 'slow']).optional(),
      ids: arg.integer().list(),
      who: arg.user().greedy(),
      dryRun: arg.flag().describe('only show what would happen'),
    };
    const described = describeArgs(spec);
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
    expect(described).toEqual([
      {
        name: 'count',
        type: 'integer',
        expected: 'an integer',
        usage: '[count=5]',
        optional: true,
        default: 5,
        greedy: false,
        min: 1,
        max: 10,
        description: 'how many',
      },
      {
        name: 'mode',
        type: 'enum',
        expected: 'one of fast or slow',
        usage: '[mode]',
        optional: true,
        greedy: false,
        choices: ['fast', 'slow'],
      },
      {
        name: 'ids',
        type: 'integer',
        expected: 'an integer',
        usage: '<ids,...>',
        optional: false,
        greedy: false,
        separator: ',',
      },
      {
        name: 'who',
        type: 'user',
        expected: 'a user: a mention, @screen_name, a vk.com link or an id',
        usage: '<who...>',
        optional: false,
        greedy: true,
      },
      {
        name: 'dryRun',
        type: 'flag',
        expected: 'yes or no',
        usage: '[--dry-run]',
        optional: true,
        default: false,
        greedy: false,
        named: 'dry-run',
        description: 'only show what would happen',
      },
    ]);
  });
});
