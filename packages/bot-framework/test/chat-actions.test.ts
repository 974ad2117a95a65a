// Every chat service action VK's schema names (chat_create where the community made the chat) reaches `chatAction` with its documented fields;
// one that lacks them is not routed as that action.
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { expect, test } from 'vitest';
import { Bot } from '../src/bot.js';
import { cleanup, memoryLogger, sandbox, startedBot } from './helpers.js';

const OWNER = 1;

test('every action of a chat, from creation to a screenshot, with its fields', async () => {
  const vk = await sandbox();
  const seenActions: string[] = [];
  const { seen } = await startedBot(vk, (bot) => {
    bot.chatAction('chat_create', (ctx) => void seenActions.push(`create "${ctx.action.text}"`));
    bot.chatAction(
      'chat_invite_user',
      (ctx) => void seenActions.push(`invite ${ctx.action.member_id} by ${ctx.senderId}`),
    );
    bot.chatAction('chat_invite_user_by_link', (ctx) => void seenActions.push(`link ${ctx.senderId}`));
    bot.chatAction(
      'chat_invite_user_by_message_request',
      (ctx) => void seenActions.push(`request ${ctx.senderId}`),
    );
    bot.chatAction(
      'chat_kick_user',
      (ctx) =>
        void seenActions.push(
          ctx.action.member_id === ctx.senderId
            ? `left ${ctx.senderId}`
            : `kick ${ctx.action.member_id} by ${ctx.senderId}`,
        ),
    );
    bot.chatAction('chat_title_update', (ctx) => void seenActions.push(`title "${ctx.action.text}"`));
    bot.chatAction(
      'chat_photo_update',
      (ctx) => void seenActions.push(`photo ${ctx.action.photo.photo_50 ? 'with sizes' : '?'}`),
    );
    bot.chatAction('chat_photo_remove', () => void seenActions.push('photo removed'));
    bot.chatAction(
      'chat_pin_message',
      (ctx) => void seenActions.push(`pin ${ctx.action.conversation_message_id} by ${ctx.action.member_id}`),
    );
    bot.chatAction('chat_unpin_message', (ctx) => void seenActions.push(`unpin by ${ctx.action.member_id}`));
    bot.chatAction('chat_screenshot', (ctx) => void seenActions.push(`screenshot ${ctx.senderId}`));
    bot.on('message', (ctx) => void seenActions.push(`message "${ctx.text}"`));
  });
  const chat = vk.createChat({ title: 'team', members: [OWNER, 2, 3], admins: [-vk.group.id] });
  chat.invite(4, { by: OWNER });
  chat.joinByLink(5);
  chat.joinByRequest(6, { by: OWNER });
  chat.kick(3, { by: OWNER });
  chat.leave(2);
  chat.rename('renamed', { by: OWNER });
  chat.setPhoto(OWNER);
  chat.removePhoto(OWNER);
  const cmid = vk.user(OWNER).send('pin me', { peerId: chat.peerId }).cmid;
  chat.pin(OWNER, cmid);
  chat.unpin(OWNER);
  chat.screenshot(4);
  vk.createChat({ title: 'ours', members: [OWNER], owner: -vk.group.id });
  await seen.until(14);
  // Two conversations are handled side by side: order holds within each.
  expect(seenActions).toContain('create "ours"');
  expect(seenActions.filter((action) => action !== 'create "ours"')).toEqual([
    `invite -${vk.group.id} by ${OWNER}`,
    `invite 4 by ${OWNER}`,
    'link 5',
    'request 6',
    `kick 3 by ${OWNER}`,
    'left 2',
    'title "renamed"',
    'photo with sizes',
    'photo removed',
    'message "pin me"',
    `pin ${cmid} by ${OWNER}`,
    `unpin by ${OWNER}`,
    'screenshot 4',
  ]);
});

test('a known action without its documented field is not routed as that action, and nothing crashes', async () => {
  const vk = await sandbox();
  const bot = new Bot({ token: vk.group.token, baseUrl: vk.apiUrl, logger: memoryLogger().logger });
  cleanup(() => bot.stop());
  const routed: string[] = [];
  bot.chatAction('chat_invite_user', () => void routed.push('invite'));
  bot.on('message_new', (ctx) => void routed.push(`message_new ${ctx.message.action?.type}`));
  const chat = vk.createChat({ title: 'team', members: [OWNER, 2] });
  chat.invite(9, { by: OWNER });
  const invite = (vk.events() as unknown as VkParsedUpdate[])
    .filter((update) => update.type === 'message_new')
    .at(-1);
  if (invite?.type !== 'message_new') throw new Error('no invite update');
  const { member_id: _dropped, ...action } = invite.object.message.action ?? { type: 'chat_invite_user' };
  const withoutMember = {
    ...invite,
    object: { ...invite.object, message: { ...invite.object.message, action } },
  };
  await bot.handleUpdate(withoutMember as VkParsedUpdate);
  await bot.handleUpdate(invite);
  expect(routed).toEqual(['message_new chat_invite_user', 'invite']);
});
