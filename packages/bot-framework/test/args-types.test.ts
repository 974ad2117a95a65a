import type { VkAttachmentOf, VkMessageAttachment } from '@vkwire/events-schema';
import { describe, expectTypeOf, test } from 'vitest';
import * as z from 'zod';
import {
  type AnyArgument,
  type ArgCommunity,
  type ArgUser,
  arg,
  type InferArgs,
  parseArgs,
} from '../src/args/index.js';

describe('ctx.args types follow the spec', () => {
  test('every builder gives its value type, with no any', () => {
    const spec = {
      count: arg.integer(),
      ratio: arg.number(),
      name: arg.word(),
      title: arg.string(),
      body: arg.text(),
      mode: arg.enum(['asc', 'desc']),
      action: arg.literal('add'),
      on: arg.boolean(),
      delay: arg.duration(),
      who: arg.user(),
      whoOrGroup: arg.user({ communities: true }),
      chat: arg.chat(),
      any: arg.attachment(),
      photo: arg.attachment('photo'),
      email: arg.zod(z.email()),
      port: arg.zod(z.coerce.number().int()),
      color: arg.custom('a color', (token) => (token.startsWith('#') ? { hex: token } : undefined)),
      later: arg.custom('a date', async (token) => (token === 'now' ? new Date() : undefined)),
      reverse: arg.flag(),
    };
    type Args = InferArgs<typeof spec>;
    expectTypeOf<Args>().toEqualTypeOf<{
      count: number;
      ratio: number;
      name: string;
      title: string;
      body: string;
      mode: 'asc' | 'desc';
      action: 'add';
      on: boolean;
      delay: number;
      who: ArgUser;
      whoOrGroup: ArgUser | ArgCommunity;
      chat: number;
      any: VkMessageAttachment;
      photo: VkAttachmentOf<'photo'>;
      email: string;
      port: number;
      color: { hex: string };
      later: Date;
      reverse: boolean;
    }>();
    for (const key of Object.keys(spec) as (keyof Args)[]) expectTypeOf<Args[typeof key]>().not.toBeAny();
  });

  test('modifiers change the type: optional adds undefined, default removes it, greedy and list make arrays', () => {
    const spec = {
      numbers: arg.number().greedy(),
      maybe: arg.integer().optional(),
      limit: arg.integer().min(1).max(10).default(5),
      tags: arg.word().greedy().optional(),
      ids: arg.integer().list(),
      sort: arg.enum(['a', 'b']).named().default('a'),
      paths: arg.string().named('path').greedy().optional(),
      first: arg.user().optional(),
      photos: arg.attachment('photo').greedy().optional(),
      described: arg.text().max(100).describe('what to say').optional(),
    };
    expectTypeOf<InferArgs<typeof spec>>().toEqualTypeOf<{
      numbers: number[];
      maybe: number | undefined;
      limit: number;
      tags: string[];
      ids: number[];
      sort: 'a' | 'b';
      paths: string[];
      first: ArgUser | undefined;
      photos: VkAttachmentOf<'photo'>[];
      described: string | undefined;
    }>();
  });

  test('the order of modifiers does not matter for the type', () => {
    expectTypeOf<InferArgs<{ a: ReturnType<typeof optionalThenGreedy> }>>().toEqualTypeOf<{ a: number[] }>();
    expectTypeOf<InferArgs<{ a: ReturnType<typeof greedyThenOptional> }>>().toEqualTypeOf<{ a: number[] }>();
  });

  test('parseArgs resolves to InferArgs of its spec', () => {
    const result = parseArgs({ numbers: arg.number().greedy() }, '1 2', {});
    expectTypeOf(result).toEqualTypeOf<Promise<{ numbers: number[] }>>();
  });

  test('defaults must fit the value type; min/max only fit numbers and text', () => {
    // Checked by the compiler only: each line is a type error, so the function is never called.
    const mistakes = () => [
      // @ts-expect-error a string default on an integer
      arg.integer().default('5'),
      // @ts-expect-error an enum default outside the choices
      arg.enum(['a', 'b']).default('c'),
      // @ts-expect-error a greedy argument defaults to an array
      arg.number().greedy().default(1),
      // @ts-expect-error users have no range
      arg.user().min(1),
    ];
    expectTypeOf(mistakes).toBeFunction();
    expectTypeOf(arg.number().greedy().default([1, 2])).toExtend<AnyArgument>();
  });
});

const optionalThenGreedy = () => arg.integer().optional().greedy();
const greedyThenOptional = () => arg.integer().greedy().optional();
