import type { VkApi } from '@vkwire/api-client';
import type { VkMessage, VkUpdateOf } from '@vkwire/events-schema';
import type { UserMessage } from '@vkwire/longpoll';
import { describe, expectTypeOf, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { Composer } from '../src/composer.js';
import { Context } from '../src/context.js';
import { defineCallbackData } from '../src/keyboard/callback-data.js';
import { Router } from '../src/router.js';
import { UserBot } from '../src/user-bot.js';

const bot = new Bot({ token: 'x' });

describe('on() narrows the context as the runtime check narrows the update', () => {
  test('message_new: the update, the message, text and ids without undefined', () => {
    bot.on('message_new', (ctx) => {
      expectTypeOf(ctx.update).toEqualTypeOf<VkUpdateOf<'message_new'>>();
      expectTypeOf(ctx.update.object.message.text).toEqualTypeOf<string>();
      expectTypeOf(ctx.message).toEqualTypeOf<VkMessage>();
      expectTypeOf(ctx.text).toEqualTypeOf<string>();
      expectTypeOf(ctx.peerId).toEqualTypeOf<number>();
      expectTypeOf(ctx.senderId).toEqualTypeOf<number>();
      expectTypeOf(ctx.api).toEqualTypeOf<VkApi>();
    });
  });

  test('"message", several types, and community events', () => {
    bot.on('message', (ctx) => {
      expectTypeOf(ctx.update.type).toEqualTypeOf<'message_new'>();
    });
    bot.on(['message_new', 'message_edit'], (ctx) => {
      expectTypeOf(ctx.update.type).toEqualTypeOf<'message_new' | 'message_edit'>();
      expectTypeOf(ctx.text).toEqualTypeOf<string>();
    });
    bot.on('group_join', (ctx) => {
      expectTypeOf(ctx.update.object.user_id).toEqualTypeOf<number>();
      expectTypeOf(ctx.peerId).toEqualTypeOf<number | undefined>();
    });
    bot.on('message_event', (ctx) => {
      expectTypeOf(ctx.update.object.event_id).toEqualTypeOf<string>();
      expectTypeOf(ctx.peerId).toEqualTypeOf<number>();
    });
  });

  test('unknown types do not compile', () => {
    // @ts-expect-error not an event type
    bot.on('message_neww', () => {});
  });

  test('nothing in the narrowed context is any', () => {
    bot.on('message_new', (ctx) => {
      expectTypeOf(ctx).not.toBeAny();
      expectTypeOf(ctx.update).not.toBeAny();
      expectTypeOf(ctx.message).not.toBeAny();
      expectTypeOf(ctx.payload).not.toBeAny();
      expectTypeOf(ctx.event).not.toBeAny();
    });
  });
});

describe('other routes type their contexts', () => {
  test('hears: match; chatAction: the action', () => {
    bot.hears(/hi/, (ctx) => {
      expectTypeOf(ctx.match).toEqualTypeOf<RegExpExecArray>();
      expectTypeOf(ctx.text).toEqualTypeOf<string>();
    });
    bot.chatAction('chat_invite_user', (ctx) => {
      expectTypeOf(ctx.action.type).toEqualTypeOf<'chat_invite_user'>();
      expectTypeOf(ctx.action.member_id).toEqualTypeOf<number>();
    });
    bot.chatAction(['chat_title_update', 'chat_create'], (ctx) => {
      expectTypeOf(ctx.action.text).toEqualTypeOf<string>();
      expectTypeOf(ctx.action.member_id).toEqualTypeOf<number | undefined>();
    });
    bot.chatAction('chat_pin_message', (ctx) => {
      expectTypeOf(ctx.action.conversation_message_id).toEqualTypeOf<number>();
    });
    // @ts-expect-error a misspelt action type is an error
    bot.chatAction('chat_tittle_update', () => {});
  });

  test('button: the callback data', () => {
    const vote = defineCallbackData('vote', { id: 'number', choice: ['up', 'down'] });
    bot.button(vote.filter({ choice: 'up' }), (ctx) => {
      expectTypeOf(ctx.data).toEqualTypeOf<{ id: number; choice: 'up' | 'down' }>();
    });
  });

  test('filter with a type guard narrows', () => {
    type Chat = Context & { chatId: number };
    bot.filter(
      (ctx): ctx is Chat => ctx.chatId !== null,
      (ctx) => {
        expectTypeOf(ctx.chatId).toEqualTypeOf<number>();
      },
    );
  });

  test('command: the command match; a handler may return a string', () => {
    bot.command('ping', (ctx) => {
      expectTypeOf(ctx.command.name).toEqualTypeOf<string>();
      expectTypeOf(ctx.text).toEqualTypeOf<string>();
      return 'pong';
    });
  });
});

describe('custom contexts, routers and user bots', () => {
  test('a subclass of Context with fields: handlers see them', () => {
    class MyContext extends Context {
      get locale(): string {
        return 'ru';
      }
    }
    const custom = new Bot<MyContext>({ token: 'x', context: MyContext });
    custom.on('message_new', (ctx) => {
      expectTypeOf(ctx.locale).toEqualTypeOf<string>();
      expectTypeOf(ctx.message).toEqualTypeOf<VkMessage>();
    });
    const router = new Router<MyContext>();
    router.command('x', (ctx) => {
      expectTypeOf(ctx.locale).toEqualTypeOf<string>();
    });
    void custom.addRouter(router);
    const composer = new Composer<MyContext>();
    custom.use(composer);
  });

  test('a user bot: User Long Poll event types', () => {
    const user = new UserBot({ token: 'x' });
    user.on('message_new', (ctx) => {
      expectTypeOf(ctx.message).toEqualTypeOf<UserMessage>();
      expectTypeOf(ctx.update.flags.outbox).toEqualTypeOf<boolean>();
    });
    user.on('friend_online', (ctx) => {
      expectTypeOf(ctx.update.userId).toEqualTypeOf<number>();
    });
    // @ts-expect-error a community event type is not a User Long Poll type
    user.on('group_join', () => {});
  });
});
