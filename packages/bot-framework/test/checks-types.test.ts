import { expectTypeOf, test } from 'vitest';
import { Bot } from '../src/bot.js';
import {
  allowUsers,
  any,
  type Check,
  CheckFailure,
  type Cooldown,
  chatAdmin,
  chatOnly,
  check,
  cooldown,
  maxConcurrency,
} from '../src/checks/index.js';
import type { BaseContext, Context } from '../src/context.js';
import type { MiddlewareFn } from '../src/middleware.js';
import { Router } from '../src/router.js';

test('built-in checks fit every place a middleware goes, for any context', () => {
  const bot = new Bot({ token: 'x' });
  bot.use(chatOnly());
  bot.command('kick', { checks: [chatAdmin(), cooldown({ per: '10s' }), maxConcurrency(1)] }, () => 'ok');
  new Router<Context>({ checks: [allowUsers([1]), any(chatAdmin(), allowUsers([2]))] });
  expectTypeOf(chatOnly()).toExtend<MiddlewareFn<Context>>();
  expectTypeOf(chatOnly()).toEqualTypeOf<Check<BaseContext>>();
  expectTypeOf(chatOnly().checkName).toEqualTypeOf<string>();
});

test('a custom check and a bucket function see the context type they are given', () => {
  const premium = check('premium', (ctx: Context) => ctx.message?.text !== undefined);
  expectTypeOf(premium).toEqualTypeOf<Check<Context>>();
  const perCommunity = cooldown<Context>({ per: 1000, bucket: (ctx) => `${ctx.groupId}:${ctx.update.type}` });
  expectTypeOf(perCommunity).toEqualTypeOf<Cooldown<Context>>();
  expectTypeOf(perCommunity.reset).parameter(0).toEqualTypeOf<Context | string>();
  // Mixed with checks for any context, `any` keeps the narrower one.
  expectTypeOf(any(premium, chatOnly())).toEqualTypeOf<Check<Context>>();
  // @ts-expect-error: a check for Context does not fit a tree of bare BaseContexts
  new Router<BaseContext>({ checks: [premium] });
});

test('CheckFailure carries typed fields', () => {
  const failure = new CheckFailure('cooldown', 'too many calls', { retryAfterMs: 10 });
  expectTypeOf(failure.name).toEqualTypeOf<'CheckFailure'>();
  expectTypeOf(failure.code).toEqualTypeOf<'check_failed'>();
  expectTypeOf(failure.check).toEqualTypeOf<string>();
  expectTypeOf(failure.reason).toEqualTypeOf<string>();
  expectTypeOf(failure.retryAfterMs).toEqualTypeOf<number | undefined>();
  expectTypeOf(failure.failures).toEqualTypeOf<readonly CheckFailure[]>();
  expectTypeOf(cooldown).parameter(0).toHaveProperty('onCooldown');
});
