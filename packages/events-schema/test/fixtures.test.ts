import { VK_API_VERSION } from '@vkwire/core';
import { describe, expect, test } from 'vitest';
import {
  isAttachmentOf,
  isKnownUpdate,
  isUpdateOf,
  parseUpdate,
  safeParseUpdate,
  type VkParsedUpdate,
  type VkUpdateOf,
} from '../src/index.js';
import { fixture, fixtureNames } from './helpers.js';

function parsed<T extends Parameters<typeof isUpdateOf>[1]>(name: string, type: T): VkUpdateOf<T> {
  const update = parseUpdate(fixture(`events/${name}`));
  if (!isUpdateOf(update, type)) throw new Error(`${name} parsed as ${update.type}, expected ${type}`);
  return update;
}

describe('every shared event fixture parses into its typed update', () => {
  test.each(fixtureNames('events'))('%s parses as a known update with its envelope kept', (name) => {
    const raw = fixture(`events/${name}`);
    const update = parseUpdate(fixture(`events/${name}`));
    expect(isKnownUpdate(update)).toBe(true);
    expect(update.type).toBe(raw.type);
    expect(update.event_id).toBe(raw.event_id);
    expect(update.group_id).toBe(218734561);
    expect(update.v).toBe(VK_API_VERSION);
  });

  test('a plain private message exposes text, ids, flags as booleans and client capabilities', () => {
    const { object } = parsed('message_new.plain.json', 'message_new');
    expect(object.message.text).toBe('Привет! Какие у вас часы работы в выходные? ☕️');
    expect(object.message.peer_id).toBe(193847562);
    expect(object.message.from_id).toBe(193847562);
    expect(object.message.conversation_message_id).toBe(1203);
    expect(object.message.id).toBe(1842);
    expect(object.message.date).toBe(1748761325);
    expect(object.message.out).toBe(false);
    expect(object.message.important).toBe(false);
    expect(object.message.attachments).toEqual([]);
    expect(object.message.fwd_messages).toEqual([]);
    expect(object.client_info?.inline_keyboard).toBe(true);
    expect(object.client_info?.button_actions).toContain('callback');
    expect(object.client_info?.lang_id).toBe(0);
  });

  test('a text-button press keeps the payload as the JSON string VK sent', () => {
    const { object } = parsed('message_new.keyboard_payload.json', 'message_new');
    expect(object.message.payload).toBe('{"cmd":"menu","section":"bakery"}');
    expect(object.client_info?.lang_id).toBe(3);
  });

  test('the Start button message carries the start payload and referral fields; a limited client says so', () => {
    const { object } = parsed('message_new.start_button.json', 'message_new');
    expect(JSON.parse(object.message.payload ?? 'null')).toEqual({ command: 'start' });
    expect(object.message.ref).toBe('qr_table_7');
    expect(object.message.ref_source).toBe('menu_card');
    expect(object.client_info?.inline_keyboard).toBe(false);
    expect(object.client_info?.carousel).toBe(false);
    expect(object.client_info?.button_actions).toEqual(['text', 'open_link']);
  });

  test('a chat message has id 0 and a reply to the bot with its conversation_message_id', () => {
    const { object } = parsed('message_new.chat_reply.json', 'message_new');
    expect(object.message.id).toBe(0);
    expect(object.message.peer_id).toBe(2000000004);
    expect(object.message.reply_message?.from_id).toBe(-218734561);
    expect(object.message.reply_message?.conversation_message_id).toBe(5866);
    expect(object.message.reply_message?.text).toBe('Сегодня скидка 15% на капучино до 12:00 ☀️');
    expect(object.message.reply_message?.attachments).toEqual([]);
  });

  test('forwards keep their order and nesting', () => {
    const { object } = parsed('message_new.chat_fwd.json', 'message_new');
    const [first, second] = object.message.fwd_messages;
    expect(first?.conversation_message_id).toBe(5872);
    expect(first?.text).toBe('Мне 2 капучино и круассан с миндалём');
    expect(second?.from_id).toBe(487261935);
    expect(second?.fwd_messages?.[0]?.text).toBe('Дима, закажи мне тоже что-нибудь 😉');
    expect(second?.fwd_messages?.[0]?.peer_id).toBe(487261935);
  });

  test('photo and doc attachments are typed by their type key', () => {
    const { object } = parsed('message_new.photo_doc.json', 'message_new');
    const [photo, doc] = object.message.attachments;
    if (!photo || !isAttachmentOf(photo, 'photo')) throw new Error('expected a photo first');
    expect(photo.photo.owner_id).toBe(193847562);
    expect(photo.photo.id).toBe(457241337);
    expect(photo.photo.access_key).toBe('1169d4ad14d959ac62');
    expect(photo.photo.sizes?.map((size) => size.type)).toEqual(['s', 'm', 'x', 'z']);
    expect(photo.photo.has_tags).toBe(false);
    if (!doc || !isAttachmentOf(doc, 'doc')) throw new Error('expected a doc second');
    expect(doc.doc.title).toBe('счёт_июнь_2025.pdf');
    expect(doc.doc.ext).toBe('pdf');
    expect(doc.doc.type).toBe(1);
  });

  test('a sticker-only message has empty text and a typed sticker', () => {
    const { object } = parsed('message_new.sticker.json', 'message_new');
    const [sticker] = object.message.attachments;
    expect(object.message.text).toBe('');
    if (!sticker || !isAttachmentOf(sticker, 'sticker')) throw new Error('expected a sticker');
    expect(sticker.sticker.sticker_id).toBe(9015);
    expect(sticker.sticker.product_id).toBe(279);
    expect(sticker.sticker.is_allowed).toBe(true);
    expect(sticker.sticker.images).toHaveLength(5);
  });

  test('a voice message keeps the transcript fields VK adds beyond its schema', () => {
    const { object } = parsed('message_new.audio_message.json', 'message_new');
    const [voice] = object.message.attachments;
    if (!voice || !isAttachmentOf(voice, 'audio_message')) throw new Error('expected a voice message');
    expect(voice.audio_message.duration).toBe(4);
    expect(voice.audio_message.link_ogg).toMatch(/\.ogg$/);
    expect(voice.audio_message.waveform).toHaveLength(20);
    expect(voice.audio_message.transcript).toBe('Можно столик на четверых к семи?');
    expect(voice.audio_message.transcript_state).toBe('done');
  });

  test('a chat service message exposes the action with the community as the invited member', () => {
    const { object } = parsed('message_new.chat_invite_user.json', 'message_new');
    expect(object.message.action?.type).toBe('chat_invite_user');
    expect(object.message.action?.member_id).toBe(-218734561);
    expect(object.message.text).toBe('');
  });

  test('a callback button press carries the press id and the payload as an object', () => {
    const { object } = parsed('message_event.json', 'message_event');
    expect(object.event_id).toBe('9c1f7a3e52b4');
    expect(object.user_id).toBe(193847562);
    expect(object.peer_id).toBe(193847562);
    expect(object.conversation_message_id).toBe(1207);
    expect(object.payload).toEqual({ cmd: 'order_confirm', order_id: 7731 });
  });

  test("the community's own message carries its inline keyboard with booleans", () => {
    const { object } = parsed('message_reply.json', 'message_reply');
    expect(object.from_id).toBe(-218734561);
    expect(object.out).toBe(true);
    expect(object.random_id).toBe(1736249182);
    expect(object.keyboard?.inline).toBe(true);
    expect(object.keyboard?.one_time).toBe(false);
    expect(object.keyboard?.author_id).toBe(-218734561);
    expect(object.keyboard?.buttons[0]?.[0]?.action.type).toBe('callback');
    expect(object.keyboard?.buttons[0]?.[0]?.color).toBe('positive');
    expect(object.keyboard?.buttons[0]?.[1]?.action.link).toBe('https://example.org/menu');
  });

  test('an edited message carries update_time', () => {
    const { object } = parsed('message_edit.json', 'message_edit');
    expect(object.update_time).toBe(1748761402);
    expect(object.conversation_message_id).toBe(1204);
    expect(object.out).toBe(true);
  });

  test('typing, reaction, allow, deny, join, leave and like objects expose their fields', () => {
    expect(parsed('message_typing_state.json', 'message_typing_state').object).toMatchObject({
      state: 'typing',
      from_id: 193847562,
      to_id: -218734561,
    });
    expect(parsed('message_reaction_event.json', 'message_reaction_event').object).toEqual({
      reacted_id: 193847562,
      peer_id: 193847562,
      cmid: 1204,
      reaction_id: 1,
    });
    expect(parsed('message_allow.json', 'message_allow').object).toEqual({
      user_id: 605182734,
      key: 'promo_june',
    });
    expect(parsed('message_deny.json', 'message_deny').object.user_id).toBe(352918476);
    expect(parsed('group_join.json', 'group_join').object).toEqual({ user_id: 605182734, join_type: 'join' });
    expect(parsed('group_leave.json', 'group_leave').object).toEqual({ user_id: 487261935, self: true });
    expect(parsed('like_add.json', 'like_add').object).toMatchObject({
      liker_id: 193847562,
      object_type: 'post',
      object_owner_id: -218734561,
      object_id: 318,
    });
  });

  test('a community wall post keeps its text, photo and counters with flags as booleans', () => {
    const { object } = parsed('wall_post_new.json', 'wall_post_new');
    expect(object.id).toBe(318);
    expect(object.owner_id).toBe(-218734561);
    expect(object.created_by).toBe(148293657);
    expect(object.text).toContain('#бодроеутро');
    expect(object.marked_as_ads).toBe(false);
    expect(object.can_edit).toBe(true);
    expect(object.likes?.can_like).toBe(true);
    expect(object.likes?.user_likes).toBe(false);
    expect(object.donut?.is_donut).toBe(false);
    expect((object as Record<string, unknown>).short_text_rate).toBe(0.8);
    const [photo] = object.attachments ?? [];
    if (!photo || !isAttachmentOf(photo, 'photo')) throw new Error('expected a photo');
    expect(photo.photo.text).toBe('Летнее меню');
  });
});

describe('Bots Long Poll answers', () => {
  test('every update of the mixed answer parses, in order, with the fields handlers use', () => {
    const answer = fixture<{ ts: string; updates: unknown[] }>('bots_longpoll/a_check.mixed.json');
    const updates: VkParsedUpdate[] = answer.updates.map((raw) => parseUpdate(raw));
    expect(updates.map((update) => update.type)).toEqual([
      'message_typing_state',
      'message_new',
      'message_reply',
      'message_event',
      'like_add',
      'group_join',
    ]);
    const [typing, message, reply, button, like, join] = updates;
    expect(typing && isUpdateOf(typing, 'message_typing_state') && typing.object.from_id).toBe(487261935);
    expect(message && isUpdateOf(message, 'message_new') && message.object.message.text).toBe(
      'Hi! Do you have decaf? 😊',
    );
    expect(reply && isUpdateOf(reply, 'message_reply') && reply.object.out).toBe(true);
    expect(button && isUpdateOf(button, 'message_event') && button.object.payload).toEqual({
      cmd: 'vote',
      option: 2,
    });
    expect(button && isUpdateOf(button, 'message_event') && button.object.peer_id).toBe(2000000004);
    expect(like && isUpdateOf(like, 'like_add') && like.object.object_type).toBe('photo');
    expect(join && isUpdateOf(join, 'group_join') && join.object.join_type).toBe('request');
  });

  test('an empty answer has no updates to parse', () => {
    expect(fixture<{ updates: unknown[] }>('bots_longpoll/a_check.empty.json').updates).toEqual([]);
  });

  test.each(['failed_1.json', 'failed_2.json', 'failed_3.json', 'groups.getLongPollServer.response.json'])(
    '%s is a poll-level answer, not an update, and is rejected as such',
    (name) => {
      const result = safeParseUpdate(fixture(`bots_longpoll/${name}`));
      expect(result.success).toBe(false);
      expect(result.error?.code).toBe('invalid_envelope');
    },
  );
});

describe('Callback API bodies', () => {
  test('a retried Callback body parses like the long poll update and loses its secret', () => {
    const { body } = fixture<{ body: Record<string, unknown> }>('callback/message_new.retry.http.json');
    const update = parseUpdate(body);
    expect(update.event_id).toBe('24179799f04703a4f1f89d34c059d0d535aeac98');
    expect('secret' in update).toBe(false);
    expect(JSON.stringify(update)).not.toContain('s3cr3t');
    const plain = parseUpdate(fixture('events/message_new.plain.json'));
    expect(update).toEqual(plain);
  });
});
