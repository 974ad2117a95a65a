import { describe, expect, test } from 'vitest';
import {
  attachmentString,
  chatIdOf,
  createMemoryNameResolver,
  NORMALIZED_VK_TYPES,
  normalize,
  normalizeBatch,
  normalizeSync,
  parseEvent,
  parseUpdate,
  serializeEvent,
  type VkNameResolver,
  type VkwireEvent,
  type VkwireEventOf,
  type VkwireEventType,
} from '../src/index.js';
import { allSampleUpdates, fixture } from './helpers.js';
import { SAMPLE_ATTACHMENTS } from './samples.js';

type Json = Record<string, unknown>;

function eventOf(name: string, options?: Parameters<typeof normalizeSync>[1]): VkwireEvent {
  return normalizeSync(parseUpdate(fixture(`events/${name}`)), options);
}

function expectType<T extends VkwireEventType>(event: VkwireEvent, type: T): VkwireEventOf<T> {
  expect(event.event_type).toBe(type);
  return event as VkwireEventOf<T>;
}

/** message_new.plain.json with another text. */
function textMessage(text: string, peerId = 193847562): Json {
  const raw = fixture<Json & { object: { message: Json } }>('events/message_new.plain.json');
  raw.object.message.text = text;
  raw.object.message.peer_id = peerId;
  return raw;
}

const ANNA = { name: 'Анна Смирнова', firstname: 'Анна', lastname: 'Смирнова', nick: 'anna_smr' };
const KATYA = { name: 'Екатерина Белова', firstname: 'Екатерина', lastname: 'Белова', nick: 'katya_b' };
const COMMUNITY = { name: 'Бодрое утро ☕', nick: 'bodroe_utro' };

describe('plain messages', () => {
  test('a private message: peer is the user, no chat id, cmid/text/date copied, names null without a resolver', () => {
    const event = expectType(eventOf('message_new.plain.json'), 'message');
    expect(event).toMatchObject({
      schema_version: 1,
      event_id: '24179799f04703a4f1f89d34c059d0d535aeac98',
      vk_type: 'message_new',
      group_id: 218734561,
      date: 1748761325,
      peer: { bpid: 193847562, cid: null, name: null },
      user: { uuid: 193847562, name: null, firstname: null, lastname: null, nick: null },
      message: {
        cmid: 1203,
        text: 'Привет! Какие у вас часы работы в выходные? ☕️',
        reply: null,
        forward: [],
        attachments: [],
        payload: null,
      },
    });
  });

  test('a chat message: peer is the chat with its chat id, user is the author', () => {
    const event = expectType(eventOf('message_new.chat_reply.json'), 'message');
    expect(event.peer).toEqual({ bpid: 2000000004, cid: 4, name: null });
    expect(event.user.uuid).toBe(352918476);
    expect(event.message.cmid).toBe(5871);
  });

  test('a reply carries the replied-to cmid, author and text', () => {
    const event = expectType(eventOf('message_new.chat_reply.json'), 'message');
    expect(event.message.reply).toEqual({
      cmid: 5866,
      uuid: -218734561,
      text: 'Сегодня скидка 15% на капучино до 12:00 ☀️',
    });
  });

  test('forwards are listed at the top level in order', () => {
    const event = expectType(eventOf('message_new.chat_fwd.json'), 'message');
    expect(event.message.forward).toEqual([
      { cmid: 5872, uuid: 352918476, text: 'Мне 2 капучино и круассан с миндалём' },
      { cmid: 5873, uuid: 487261935, text: 'Flat white, oat milk & no sugar, thanks!' },
    ]);
    expect(event.message.reply).toBeNull();
  });

  test('a forward without conversation_message_id has a null cmid rather than an invented one', () => {
    const raw = fixture<Json & { object: { message: { fwd_messages: Json[] } } }>(
      'events/message_new.chat_fwd.json',
    );
    delete raw.object.message.fwd_messages[0]?.conversation_message_id;
    const event = expectType(normalizeSync(parseUpdate(raw)), 'message');
    expect(event.message.forward[0]?.cmid).toBeNull();
  });

  test('attachments become VK attachment strings with their access keys', () => {
    const event = expectType(eventOf('message_new.photo_doc.json'), 'message');
    expect(event.message.attachments).toEqual([
      'photo193847562_457241337_1169d4ad14d959ac62',
      'doc193847562_677123456_78ee3621d9c97ca059',
    ]);
  });

  test('a voice message becomes an attachment string; a sticker, having no owner, does not', () => {
    expect(expectType(eventOf('message_new.audio_message.json'), 'message').message.attachments).toEqual([
      'audio_message352918476_681002233_cbdbff4bfd785ba6ed',
    ]);
    expect(expectType(eventOf('message_new.sticker.json'), 'message').message.attachments).toEqual([]);
  });

  test('every attachment type with an owner and id becomes its string; gifts, links and calls do not', () => {
    const raw = fixture<Json & { object: { message: Json } }>('events/message_new.plain.json');
    raw.object.message.attachments = SAMPLE_ATTACHMENTS;
    expect(expectType(normalizeSync(parseUpdate(raw)), 'message').message.attachments).toEqual([
      'video-218734561_1_v1',
      'audio193847562_2',
      'market-218734561_77',
      'market_album-218734561_3',
      'wall-218734561_319',
      'wall_reply-218734561_11',
      'graffiti193847562_6_g6',
      'poll-218734561_3001',
      'story-218734561_7_s7',
      'article-218734561_8',
      'video_playlist-218734561_9',
    ]);
  });

  test('attachmentString leaves out an empty access key', () => {
    expect(attachmentString({ type: 'photo', photo: { id: 1, owner_id: -2, access_key: '' } })).toBe(
      'photo-2_1',
    );
    expect(attachmentString({ type: 'link', link: { url: 'https://example.org' } })).toBeNull();
  });

  test('a text button payload is parsed from its JSON string', () => {
    const event = expectType(eventOf('message_new.keyboard_payload.json'), 'message');
    expect(event.message.payload).toEqual({ cmd: 'menu', section: 'bakery' });
  });

  test('a payload that is not JSON is kept as the string', () => {
    const raw = textMessage('hi') as Json & { object: { message: Json } };
    raw.object.message.payload = 'not json';
    expect(expectType(normalizeSync(parseUpdate(raw)), 'message').message.payload).toBe('not json');
  });

  test('chatIdOf tells chats from users and communities', () => {
    expect(chatIdOf(2000000004)).toBe(4);
    expect(chatIdOf(193847562)).toBeNull();
    expect(chatIdOf(-218734561)).toBeNull();
  });
});

describe('commands', () => {
  test('text starting with the default prefix is a command with its name and raw args', () => {
    const event = expectType(
      normalizeSync(parseUpdate(textMessage('/order  2 капучино, 1 круассан'))),
      'command',
    );
    expect(event.command).toEqual({ prefix: '/', name: 'order', args: '2 капучино, 1 круассан' });
    expect(event.message.text).toBe('/order  2 капучино, 1 круассан');
  });

  test('a command without arguments has empty args; multi-line args are kept as typed', () => {
    expect(expectType(normalizeSync(parseUpdate(textMessage('/menu'))), 'command').command.args).toBe('');
    expect(expectType(normalizeSync(parseUpdate(textMessage('/note a\n b '))), 'command').command.args).toBe(
      'a\n b ',
    );
  });

  test('configured prefixes replace the default, and the longest one wins', () => {
    const options = { prefixes: ['!', '!!'] };
    expect(normalizeSync(parseUpdate(textMessage('/menu')), options).event_type).toBe('message');
    const event = expectType(normalizeSync(parseUpdate(textMessage('!!ban 42')), options), 'command');
    expect(event.command).toEqual({ prefix: '!!', name: 'ban', args: '42' });
  });

  test('a prefix alone or followed by a space is not a command', () => {
    expect(normalizeSync(parseUpdate(textMessage('/'))).event_type).toBe('message');
    expect(normalizeSync(parseUpdate(textMessage('/ hello'))).event_type).toBe('message');
  });

  test('no prefixes means no commands', () => {
    expect(normalizeSync(parseUpdate(textMessage('/menu')), { prefixes: [] }).event_type).toBe('message');
  });

  test('in a chat a leading mention of the community is skipped before the prefix', () => {
    const event = normalizeSync(
      parseUpdate(textMessage('[club218734561|@bodroe_utro], /help me', 2000000004)),
    );
    expect(expectType(event, 'command').command).toEqual({ prefix: '/', name: 'help', args: 'me' });
    expect(event.peer?.cid).toBe(4);
  });

  test('a public page is mentioned as [public<id>|…], and that mention is skipped too', () => {
    const event = normalizeSync(
      parseUpdate(textMessage('[public218734561|Бодрое утро] /help me', 2000000004)),
    );
    expect(expectType(event, 'command').command).toEqual({ prefix: '/', name: 'help', args: 'me' });
  });

  test('a mention of another community is not skipped', () => {
    expect(normalizeSync(parseUpdate(textMessage('[public1|other], /help', 2000000004))).event_type).toBe(
      'message',
    );
  });

  test('a mention of another community is not skipped', () => {
    expect(normalizeSync(parseUpdate(textMessage('[club1|@other] /help', 2000000004))).event_type).toBe(
      'message',
    );
  });
});

describe('other message events', () => {
  test('a chat service message is a service event with the action', () => {
    const event = expectType(eventOf('message_new.chat_invite_user.json'), 'service');
    expect(event.action).toEqual({ type: 'chat_invite_user', member_id: -218734561, text: null });
    expect(event.peer.cid).toBe(4);
    expect(event.user.uuid).toBe(352918476);
    expect(event.message.cmid).toBe(5801);
  });

  test("the community's own message is a reply event authored by the community", () => {
    const event = expectType(eventOf('message_reply.json'), 'reply');
    expect(event.user.uuid).toBe(-218734561);
    expect(event.peer.bpid).toBe(193847562);
    expect(event.message.cmid).toBe(1204);
  });

  test('an edited message is an edit event with the new text', () => {
    const event = expectType(eventOf('message_edit.json'), 'edit');
    expect(event.message.text).toContain('с 10:00 до 20:00');
    expect(event.date).toBe(1748761330);
  });

  test('a callback button press is a button event with cmid, press id and parsed payload', () => {
    const event = expectType(eventOf('message_event.json'), 'button');
    expect(event.button).toEqual({
      cmid: 1207,
      beid: '9c1f7a3e52b4',
      payload: { cmd: 'order_confirm', order_id: 7731 },
    });
    expect(event.user.uuid).toBe(193847562);
    expect(event.date).toBeNull();
  });

  test('a button press in a chat: peer is the chat; a string payload holding JSON is parsed; no cmid is null', () => {
    const raw = fixture<{ updates: Json[] }>('bots_longpoll/a_check.mixed.json').updates[3] as Json & {
      object: Json;
    };
    raw.object.payload = '{"cmd":"vote","option":3}';
    delete raw.object.conversation_message_id;
    const event = expectType(normalizeSync(parseUpdate(raw)), 'button');
    expect(event.peer).toEqual({ bpid: 2000000004, cid: 4, name: null });
    expect(event.button).toEqual({ cmid: null, beid: '4d2e8b1a9f06', payload: { cmd: 'vote', option: 3 } });
  });

  test('a reaction is a reaction event; without reaction_id the rid is null', () => {
    expect(expectType(eventOf('message_reaction_event.json'), 'reaction').reaction).toEqual({
      cmid: 1204,
      rid: 1,
    });
    const raw = fixture<Json & { object: Json }>('events/message_reaction_event.json');
    delete raw.object.reaction_id;
    expect(expectType(normalizeSync(parseUpdate(raw)), 'reaction').reaction.rid).toBeNull();
  });

  test('typing, allow, deny, join and leave happen in the private dialog of their user', () => {
    const typing = expectType(eventOf('message_typing_state.json'), 'typing');
    expect(typing.typing).toEqual({ state: 'typing' });
    expect(typing.peer).toEqual({ bpid: 193847562, cid: null, name: null });
    expect(typing.user.uuid).toBe(193847562);
    expect(expectType(eventOf('message_allow.json'), 'allow').allow).toEqual({ key: 'promo_june' });
    expect(expectType(eventOf('message_deny.json'), 'deny').user.uuid).toBe(352918476);
    const join = expectType(eventOf('group_join.json'), 'join');
    expect(join.join).toEqual({ join_type: 'join' });
    expect(join.peer.bpid).toBe(605182734);
    expect(expectType(eventOf('group_leave.json'), 'leave').leave).toEqual({ self: true });
  });

  test('other VK events are raw, with no peer or user and the update kept', () => {
    for (const name of ['like_add.json', 'wall_post_new.json']) {
      const event = expectType(eventOf(name), 'raw');
      expect(event.peer).toBeNull();
      expect(event.user).toBeNull();
      expect(event.raw.type).toBe(fixture(`events/${name}`).type);
    }
    const unknown = parseUpdate({ type: 'message_pin_new', object: { a: 1 }, group_id: 1, event_id: 'e' });
    expect(normalizeSync(unknown)).toMatchObject({
      event_type: 'raw',
      vk_type: 'message_pin_new',
      raw: { object: { a: 1 } },
    });
  });

  test('every event keeps its raw update, without the Callback secret', () => {
    const { body } = fixture<{ body: Json }>('callback/message_new.retry.http.json');
    const event = normalizeSync(parseUpdate(body));
    expect(event.raw.event_id).toBe(event.event_id);
    expect(serializeEvent(event)).not.toContain('s3cr3t');
  });
});

describe('names come from the resolver, never invented', () => {
  const resolver = () =>
    createMemoryNameResolver({
      users: [
        [193847562, ANNA],
        [352918476, KATYA],
        [-218734561, COMMUNITY],
      ],
      peers: [[2000000004, 'Бодрое утро — гости']],
    });

  test('a private message gets the user names, and the dialog is named after the user', async () => {
    const event = await normalize(parseUpdate(fixture('events/message_new.plain.json')), {
      resolver: resolver(),
    });
    expect(event.user).toEqual({ uuid: 193847562, ...ANNA });
    expect(event.peer).toEqual({ bpid: 193847562, cid: null, name: 'Анна Смирнова' });
  });

  test('a chat message gets the chat title', async () => {
    const event = await normalize(parseUpdate(fixture('events/message_new.chat_reply.json')), {
      resolver: resolver(),
    });
    expect(event.peer?.name).toBe('Бодрое утро — гости');
    expect(event.user?.nick).toBe('katya_b');
  });

  test('a community author gets its name and nick, first and last names stay null', async () => {
    const event = await normalize(parseUpdate(fixture('events/message_reply.json')), {
      resolver: resolver(),
    });
    expect(event.user).toEqual({
      uuid: -218734561,
      name: 'Бодрое утро ☕',
      firstname: null,
      lastname: null,
      nick: 'bodroe_utro',
    });
  });

  test('ids the resolver does not know keep null names', async () => {
    const event = await normalize(parseUpdate(fixture('events/message_new.keyboard_payload.json')), {
      resolver: resolver(),
    });
    expect(event.user).toEqual({ uuid: 487261935, name: null, firstname: null, lastname: null, nick: null });
    expect(event.peer?.name).toBeNull();
  });

  test('without a resolver every name is null', async () => {
    const event = await normalize(parseUpdate(fixture('events/message_new.chat_reply.json')));
    expect(event.peer?.name).toBeNull();
    expect(event.user?.name).toBeNull();
  });

  test('a batch asks the resolver once, with each id once', async () => {
    const memory = resolver();
    const answer = fixture<{ updates: unknown[] }>('bots_longpoll/a_check.mixed.json');
    const extra = [fixture('events/message_new.plain.json'), fixture('events/message_new.chat_reply.json')];
    const events = await normalizeBatch(
      [...answer.updates, ...extra].map((raw) => parseUpdate(raw)),
      { resolver: memory },
    );
    expect(events).toHaveLength(8);
    expect(memory.calls.users).toHaveLength(1);
    expect(memory.calls.peers).toHaveLength(1);
    expect([...(memory.calls.users[0] ?? [])].sort()).toEqual(
      [-218734561, 193847562, 352918476, 487261935, 700100200].sort(),
    );
    expect(memory.calls.peers[0]).toEqual([2000000004]);
    expect(events[3]?.user?.name).toBe('Анна Смирнова');
  });

  test('a batch of raw events does not call the resolver at all', async () => {
    const memory = resolver();
    await normalizeBatch([parseUpdate(fixture('events/like_add.json'))], { resolver: memory });
    expect(memory.calls).toEqual({ users: [], peers: [] });
  });

  test('a failing resolver fails the normalize call', async () => {
    const failing: VkNameResolver = {
      resolveUsers: async () => {
        throw new Error('users.get failed');
      },
      resolvePeers: async () => new Map(),
    };
    await expect(
      normalize(parseUpdate(fixture('events/message_new.plain.json')), { resolver: failing }),
    ).rejects.toThrow('users.get failed');
  });
});

describe('every normalized fixture is a valid event', () => {
  test.each(allSampleUpdates().map(({ name, update }) => [name, update] as const))(
    '%s normalizes to an event that survives its JSON form',
    async (_name, raw) => {
      const event = await normalize(parseUpdate(raw), { resolver: createMemoryNameResolver() });
      expect(parseEvent(serializeEvent(event))).toEqual(JSON.parse(serializeEvent(event)));
    },
  );
});

test('NORMALIZED_VK_TYPES lists exactly the types that normalize to an event of their own', () => {
  const seen = new Set<string>();
  for (const { name, update } of allSampleUpdates()) {
    const parsed = parseUpdate(update);
    const event = normalizeSync(parsed);
    const listed = (NORMALIZED_VK_TYPES as readonly string[]).includes(parsed.type);
    expect(event.event_type === 'raw', name).toBe(!listed);
    if (listed) seen.add(parsed.type);
  }
  expect([...seen].sort()).toEqual([...NORMALIZED_VK_TYPES].sort());
});
