import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox, type SandboxUpdate } from '../src/index.js';
import { collect, type LongPollSession, longPollServer, ok } from './helpers.js';
import { shapeDiff } from './shape.js';

const FIXTURES = new URL('./fixtures/events/', import.meta.url);
const fixture = (name: string): SandboxUpdate =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as SandboxUpdate;

let vk: Sandbox;
let session: LongPollSession;
const LIMITED_CLIENT = {
  button_actions: ['text', 'open_link'],
  keyboard: true,
  inline_keyboard: false,
  carousel: false,
  lang_id: 0,
};

/** Runs an action and returns the event of `type` it produced, read over Bots Long Poll. */
async function eventOf(type: string, action: () => unknown | Promise<unknown>): Promise<SandboxUpdate> {
  const before = vk.longPollTs();
  await action();
  const produced = await collect(session, vk.longPollTs() - before);
  const event = produced.findLast((update) => update.type === type);
  if (!event) throw new Error(`no ${type} among ${produced.map((update) => update.type).join(', ')}`);
  return event;
}

/** The chat scenario: a bot message in a chat and two user messages, for replies and forwards. */
async function chatWithMessages() {
  const chat = vk.createChat({ title: 'Бодрое утро', members: [352918476, 487261935, 700100200] });
  const botCmid = await ok<Array<{ conversation_message_id: number }>>(vk, 'messages.send', {
    peer_ids: chat.peerId,
    message: 'Сегодня скидка 15% на капучино',
    random_id: 1,
  });
  return { chat, botCmid: botCmid[0]?.conversation_message_id ?? 0 };
}

const scenarios: Record<string, () => Promise<SandboxUpdate>> = {
  'message_new.plain.json': () =>
    eventOf('message_new', () => vk.user(193847562).send('Привет! Какие у вас часы работы?')),
  'message_new.keyboard_payload.json': () =>
    eventOf('message_new', () =>
      vk.user(487261935).send('🥐 Pastries', { payload: { cmd: 'menu', section: 'bakery' } }),
    ),
  'message_new.start_button.json': () =>
    eventOf('message_new', () =>
      vk.user(605182734, { clientInfo: LIMITED_CLIENT }).send('Начать', {
        payload: { command: 'start' },
        extra: { ref: 'qr_table_7', ref_source: 'menu_card' },
      }),
    ),
  'message_new.chat_reply.json': async () => {
    const { chat, botCmid } = await chatWithMessages();
    return eventOf('message_new', () =>
      vk.user(352918476).send('а до скольки скидка?', { peerId: chat.peerId, replyTo: botCmid }),
    );
  },
  'message_new.chat_fwd.json': async () => {
    const { chat, botCmid } = await chatWithMessages();
    const first = vk.user(352918476).send('Мне 2 капучино', { peerId: chat.peerId });
    const second = vk
      .user(487261935)
      .send('Flat white, oat milk', { peerId: chat.peerId, forward: [botCmid] });
    return eventOf('message_new', () =>
      vk.user(700100200).send('Оформите заказ', { peerId: chat.peerId, forward: [first.cmid, second.cmid] }),
    );
  },
  'message_new.photo_doc.json': () =>
    eventOf('message_new', () =>
      vk.user(193847562).send('Вот фото чека и счёт', {
        attachments: [{ type: 'photo' }, { type: 'doc', title: 'счёт.pdf' }],
      }),
    ),
  'message_new.sticker.json': () =>
    eventOf('message_new', () => vk.user(487261935).send('', { attachments: [{ type: 'sticker' }] })),
  'message_new.audio_message.json': () =>
    eventOf('message_new', () =>
      vk
        .user(352918476)
        .send('', { attachments: [{ type: 'audio_message', transcript: 'Столик на четверых' }] }),
    ),
  'message_new.chat_invite_user.json': () =>
    eventOf('message_new', () => vk.createChat({ title: 'Новая беседа', members: [352918476, 193847562] })),
  'message_event.json': () =>
    eventOf('message_event', () =>
      vk.user(193847562).pressCallbackButton(193847562, 1207, { cmd: 'order_confirm', order_id: 7731 }),
    ),
  'message_reply.json': async () => {
    vk.user(193847562).send('hi');
    const keyboard = {
      one_time: false,
      inline: true,
      buttons: [
        [
          {
            action: { type: 'callback', label: 'Забронировать', payload: '{"cmd":"book"}' },
            color: 'positive',
          },
          { action: { type: 'open_link', label: 'Меню', link: 'https://example.org/menu', payload: '' } },
        ],
      ],
    };
    return eventOf('message_reply', () =>
      ok(vk, 'messages.send', {
        peer_id: 193847562,
        message: 'Здравствуйте!',
        random_id: 1736249182,
        keyboard: JSON.stringify(keyboard),
      }),
    );
  },
  'message_edit.json': async () => {
    vk.user(193847562).send('hi');
    const id = await ok<number>(vk, 'messages.send', {
      peer_id: 193847562,
      message: 'Работаем с 9:00',
      random_id: 5,
    });
    return eventOf('message_edit', () =>
      ok(vk, 'messages.edit', { peer_id: 193847562, message_id: id, message: 'Работаем с 10:00' }),
    );
  },
  'message_typing_state.json': () => eventOf('message_typing_state', () => vk.user(193847562).typing()),
  'message_reaction_event.json': () =>
    eventOf('message_reaction_event', () => vk.user(193847562).react(193847562, 1204, 1)),
  'message_allow.json': () =>
    eventOf('message_allow', () => vk.user(605182734).allowMessages(undefined, 'promo_june')),
  'message_deny.json': () => eventOf('message_deny', () => vk.user(352918476).denyMessages()),
  'group_join.json': () => eventOf('group_join', () => vk.user(605182734).join()),
  'group_leave.json': () => eventOf('group_leave', () => vk.user(487261935).leave()),
  'like_add.json': () => eventOf('like_add', () => vk.user(193847562).like(318)),
  'wall_post_new.json': () =>
    eventOf('wall_post_new', () =>
      vk.wallPost('Летнее меню уже здесь!', { attachments: [{ type: 'photo' }], createdBy: 148293657 }),
    ),
};

beforeAll(async () => {
  vk = await createSandbox();
  session = await longPollServer(vk);
});
afterAll(() => vk.close());

describe('events match the shapes of the shared fixtures', () => {
  test('every fixture has a scenario', () => {
    const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(scenarios).sort());
  });

  for (const [name, scenario] of Object.entries(scenarios)) {
    test(`${name}: same keys and value types as VK's`, async () => {
      const expected = fixture(name);
      const produced = await scenario();
      expect(shapeDiff(expected, produced)).toEqual([]);
      expect(produced.event_id).toMatch(/^[0-9a-f]{40}$/);
      expect(produced.group_id).toBe(vk.group.id);
    });
  }

  test('the shape check itself notices a missing key and a changed type', () => {
    const expected = fixture('message_typing_state.json');
    const broken = { ...expected, object: { state: 'typing', from_id: '1' } };
    expect(shapeDiff(expected, broken)).toEqual([
      '$.object.to_id: missing',
      '$.object.from_id: expected number, got string',
    ]);
  });
});
