import { describe, expect, test } from 'vitest';
import { ask, chatWithBot, reply, startBot } from './helpers.js';

const OWNER = 1001;
const MEMBER = 1002;
const SPAMMER = 1003;

describe('group chats', () => {
  test('the bot greets a chat it is invited to', async () => {
    const { vk } = await startBot();
    const chat = vk.createChat({ title: 'Friends', members: [OWNER, MEMBER] }); // invites the community
    const greeting = await reply(vk, chat.peerId, /^Hi all!/);
    expect(greeting.text).toContain('/help');
  });

  test('/ban by a chat admin removes the user (messages.removeChatUser)', async () => {
    const { vk } = await startBot();
    vk.user(SPAMMER, { firstName: 'Spam', lastName: 'Bot' });
    const chat = await chatWithBot(vk, {
      title: 'Friends',
      members: [OWNER, MEMBER, SPAMMER],
      admins: [-vk.group.id],
    });
    const answer = await ask(vk, OWNER, `/ban [id${SPAMMER}|@spam]`, { peerId: chat.peerId });
    expect(answer.text).toBe('Spam Bot was removed from the chat.');
    expect(chat.members).not.toContain(SPAMMER);
    expect(vk.calls({ method: 'messages.removeChatUser' })).toHaveLength(1);
  });

  test('/ban by a member who is no admin is refused by the chat-admin check', async () => {
    const { vk } = await startBot();
    const chat = await chatWithBot(vk, {
      title: 'Friends',
      members: [OWNER, MEMBER, SPAMMER],
      admins: [-vk.group.id],
    });
    const answer = await ask(vk, MEMBER, `/ban [id${SPAMMER}|@spam]`, { peerId: chat.peerId });
    expect(answer.text).toMatch(/admin/i);
    expect(chat.members).toContain(SPAMMER);
    expect(vk.calls({ method: 'messages.removeChatUser' })).toHaveLength(0);
  });

  test('/ban where the bot is no admin says to make it one', async () => {
    const { vk } = await startBot();
    const chat = await chatWithBot(vk, { title: 'Friends', members: [OWNER, MEMBER, SPAMMER] });
    const answer = await ask(vk, OWNER, `/ban [id${SPAMMER}|@spam]`, { peerId: chat.peerId });
    expect(answer.text).toContain('make the bot an admin of the chat');
    expect(chat.members).toContain(SPAMMER);
  });

  test("/ban of the owner is answered by the router's error boundary", async () => {
    const { vk } = await startBot();
    const chat = await chatWithBot(vk, {
      title: 'Friends',
      members: [OWNER, MEMBER, SPAMMER],
      admins: [-vk.group.id, MEMBER],
    });
    const answer = await ask(vk, MEMBER, `/ban [id${OWNER}|@owner]`, { peerId: chat.peerId });
    expect(answer.text).toBe("I can't remove the chat's owner or an admin.");
    expect(chat.members).toContain(OWNER);
  });

  test('the moderation router: its checks refuse /ban in a private dialog, its catch answers', async () => {
    const { vk } = await startBot();
    const answer = await ask(vk, OWNER, `/ban [id${SPAMMER}|@spam]`);
    expect(answer.text).toBe('This works only in group chats.');
    // Other commands are not the router's: they work in private.
    expect((await ask(vk, OWNER, '/sum 1 2')).text).toBe('1 + 2 = 3');
  });
});
