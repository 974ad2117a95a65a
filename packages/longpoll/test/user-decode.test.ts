import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, test } from 'vitest';
import {
  CHAT_CHANGE_TYPES,
  chatPeerId,
  DEFAULT_USER_LONG_POLL_MODE,
  decodeDialogFlags,
  decodeMessageFlags,
  decodeUserUpdate,
  describePeer,
  longPollServerUrl,
  MESSAGE_FLAGS,
  parseUserLongPollAnswer,
  peerType,
  USER_EVENT_CODES,
  USER_LONG_POLL_MODE,
  type UserEventHandlers,
  type UserEventMap,
  type UserEventType,
  type UserLongPollEvent,
  unescapeVkText,
  userEventPeerId,
  userLongPollCheckUrl,
} from '../src/index.js';

const FIXTURES = new URL('./fixtures/user_longpoll/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));

/** Decodes and insists on the type, so a test reads the typed fields without casts. */
function decodeAs<K extends UserEventType>(
  type: K,
  update: unknown,
  options?: Parameters<typeof decodeUserUpdate>[1],
): UserEventMap[K] {
  const event = decodeUserUpdate(update, options);
  expect(event.type, JSON.stringify(event)).toBe(type);
  return event as UserEventMap[K];
}

function fixtureUpdates(): unknown[] {
  const answer = parseUserLongPollAnswer(fixture('a_check.v3.mode202.json'));
  if (answer.kind !== 'updates') throw new Error(`fixture answer is ${answer.kind}`);
  return answer.updates;
}

const ANNA = 193847562;

describe('the mode 202 fixture answer', () => {
  const updates = fixtureUpdates();
  const events = updates.map((update) => decodeUserUpdate(update, { mode: 202, ownerId: ANNA }));
  const at = <K extends UserEventType>(index: number, type: K): UserEventMap[K] => {
    const event = events[index];
    expect(event?.type).toBe(type);
    return event as UserEventMap[K];
  };

  test('every update decodes to a known event, in order, keeping the array it came from', () => {
    expect(events.map((event) => [event.type, event.code])).toEqual([
      ['typing', 61],
      ['message_new', 4],
      ['typing', 62],
      ['message_new', 4],
      ['message_new', 4],
      ['message_edit', 5],
      ['message_new', 4],
      ['read_out', 7],
      ['friend_online', 8],
      ['friend_offline', 9],
      ['unread_count', 80],
      ['message_new', 4],
    ]);
    events.forEach((event, index) => {
      expect(event.raw).toBe(updates[index]);
    });
  });

  test('the first message text is HTML-unescaped exactly as the fixture README says', () => {
    const message = at(1, 'message_new');
    expect(message.text).toBe('Привет! Завтра в "Бодром утре" в 9 & обсудим план?\nP.S. 2 < 3 😉');
    expect(message).toMatchObject({
      messageId: 905112,
      peerId: 487261935,
      peer: { type: 'user', userId: 487261935 },
      timestamp: 1748763101,
      fromId: 487261935,
      title: ' ... ',
      emoji: true,
      attachments: [],
      randomId: 0,
      rest: [],
      extra: {},
    });
    expect(message.flags).toMatchObject({ unread: true, friends: true, outbox: false, chat: false, raw: 33 });
  });

  test('typing in a private dialog (61) and in chat 12 (62)', () => {
    expect(at(0, 'typing')).toMatchObject({ peerId: 487261935, userIds: [487261935], totalCount: 1 });
    expect(at(2, 'typing')).toMatchObject({
      peerId: 2000000012,
      chatId: 12,
      userIds: [352918476],
      peer: { type: 'chat', chatId: 12 },
    });
  });

  test('a chat message has its author from `from`, the undocumented chat bit kept, a photo and a document', () => {
    const message = at(3, 'message_new');
    expect(message).toMatchObject({
      peerId: 2000000012,
      peer: { type: 'chat', chatId: 12 },
      fromId: 352918476,
      title: 'Книжный клуб 📚',
      text: 'Смотрите, какой закат 🌅',
    });
    expect(message.flags).toMatchObject({ unread: true, friends: false, unknownBits: 8192, raw: 8193 });
    expect(message.attachments).toEqual([
      {
        index: 1,
        type: 'photo',
        value: '352918476_457241400',
        ownerId: 352918476,
        itemId: 457241400,
        attachment: 'photo352918476_457241400',
        extra: {},
      },
      {
        index: 2,
        type: 'doc',
        value: '352918476_681002310',
        ownerId: 352918476,
        itemId: 681002310,
        attachment: 'doc352918476_681002310',
        extra: {},
      },
    ]);
  });

  test('a chat service message carries its action and the member it is about', () => {
    const message = at(4, 'message_new');
    expect(message.text).toBe('');
    expect(message.fromId).toBe(352918476);
    expect(message.action).toEqual({ type: 'chat_invite_user', memberId: 605182734 });
  });

  test('an edit (5) carries the new text', () => {
    const edit = at(5, 'message_edit');
    expect(edit).toMatchObject({ messageId: 905112, peerId: 487261935, timestamp: 1748763112 });
    expect(edit.text).toBe('Привет! Завтра в "Бодром утре" в 10 & обсудим план?');
  });

  test('an outgoing reply has the outbox flag, random_id last, and the owner as author', () => {
    const reply = at(6, 'message_new');
    expect(reply.flags).toMatchObject({ unread: true, outbox: true, raw: 3 });
    expect(reply.randomId).toBe(1736249190);
    expect(reply.fromId).toBe(ANNA);
    const anonymous = decodeAs('message_new', updates[6]);
    expect(anonymous.fromId).toBeUndefined();
  });

  test('read, friends online/offline with platform, and the unread counter', () => {
    expect(at(7, 'read_out')).toMatchObject({ peerId: 487261935, localId: 905112 });
    expect(at(8, 'friend_online')).toMatchObject({
      userId: 605182734,
      extra: 4,
      platform: 4,
      platformName: 'android',
      timestamp: 1748763121,
    });
    expect(at(9, 'friend_offline')).toMatchObject({
      userId: 352918476,
      flags: 1,
      timedOut: true,
      timestamp: 1748763122,
    });
    expect(at(10, 'unread_count')).toMatchObject({ count: 3, rest: [0] });
  });

  test('a voice message is a doc of kind audiomsg with an empty text', () => {
    const voice = at(11, 'message_new');
    expect(voice.text).toBe('');
    expect(voice.attachments).toEqual([
      expect.objectContaining({ type: 'doc', kind: 'audiomsg', attachment: 'doc352918476_681002299' }),
    ]);
  });
});

describe('a_check answers and server setup', () => {
  test('the failed fixtures parse to their codes, with ts and the version range', () => {
    expect(parseUserLongPollAnswer(fixture('failed_1.json'))).toEqual({
      kind: 'failed',
      code: 1,
      ts: 1862934600,
      extra: {},
    });
    expect(parseUserLongPollAnswer(fixture('failed_2.json'))).toEqual({ kind: 'failed', code: 2, extra: {} });
    expect(parseUserLongPollAnswer(fixture('failed_3.json'))).toEqual({ kind: 'failed', code: 3, extra: {} });
    expect(parseUserLongPollAnswer(fixture('failed_4.json'))).toEqual({
      kind: 'failed',
      code: 4,
      minVersion: 0,
      maxVersion: 19,
      extra: {},
    });
  });

  test('an answer with pts, extra fields, a JSON string body, and broken bodies', () => {
    expect(parseUserLongPollAnswer('{"ts":5,"pts":77,"updates":[[80,1,0]],"new_field":true}')).toEqual({
      kind: 'updates',
      ts: 5,
      pts: 77,
      updates: [[80, 1, 0]],
      extra: { new_field: true },
    });
    expect(parseUserLongPollAnswer({ failed: 2, error: 'key expired' })).toEqual({
      kind: 'failed',
      code: 2,
      extra: { error: 'key expired' },
    });
    expect(parseUserLongPollAnswer({ ts: '12', updates: [] })).toMatchObject({ kind: 'updates', ts: 12 });
    expect(parseUserLongPollAnswer('<html>502</html>')).toMatchObject({
      kind: 'invalid',
      reason: /not JSON/,
    });
    expect(parseUserLongPollAnswer([1, 2])).toMatchObject({ kind: 'invalid', reason: /not a JSON object/ });
    expect(parseUserLongPollAnswer({ updates: [] })).toMatchObject({ kind: 'invalid', reason: /ts/ });
    expect(parseUserLongPollAnswer({ ts: 1 })).toMatchObject({ kind: 'invalid', reason: /updates/ });
    expect(parseUserLongPollAnswer({ failed: 'x' })).toMatchObject({ kind: 'invalid', reason: /failed/ });
  });

  test('the server URL gets https:// unless it has a scheme; http can be chosen for the sandbox', () => {
    const { response } = fixture('messages.getLongPollServer.response.json') as {
      response: { server: string; key: string; ts: number };
    };
    expect(longPollServerUrl(response.server)).toBe('https://im.vk.com/nim193847562');
    expect(longPollServerUrl('127.0.0.1:8080/im/-1', { scheme: 'http' })).toBe('http://127.0.0.1:8080/im/-1');
    expect(longPollServerUrl('http://127.0.0.1:8080/im/1')).toBe('http://127.0.0.1:8080/im/1');
    expect(longPollServerUrl('https://im.vk.com/x', { scheme: 'http' })).toBe('https://im.vk.com/x');
    const url = new URL(userLongPollCheckUrl(response.server, { key: response.key, ts: response.ts }));
    expect(url.origin + url.pathname).toBe('https://im.vk.com/nim193847562');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      act: 'a_check',
      key: response.key,
      ts: '1862934501',
      wait: '25',
      mode: '202',
      version: '3',
    });
  });

  test('the default mode is attachments | extended events | platform | random_id', () => {
    const { attachments, extendedEvents, extraOnline, randomId, pts } = USER_LONG_POLL_MODE;
    expect(DEFAULT_USER_LONG_POLL_MODE).toBe(attachments | extendedEvents | extraOnline | randomId);
    expect(DEFAULT_USER_LONG_POLL_MODE & pts).toBe(0);
    expect([attachments, extendedEvents, pts, extraOnline, randomId]).toEqual([2, 8, 32, 64, 128]);
  });
});

describe('every event code', () => {
  const cases: Array<[unknown[], UserEventType, Record<string, unknown>]> = [
    [
      [1, 10, 3, 42],
      'message_flags_replace',
      { messageId: 10, peerId: 42, flags: expect.objectContaining({ unread: true, outbox: true }) },
    ],
    [
      [2, 10, 128, 42],
      'message_flags_set',
      { messageId: 10, peerId: 42, mask: expect.objectContaining({ deleted: true, raw: 128 }) },
    ],
    [
      [3, 10, 1, 42],
      'message_flags_reset',
      { messageId: 10, mask: expect.objectContaining({ unread: true }) },
    ],
    [[6, 42, 905], 'read_in', { peerId: 42, localId: 905 }],
    [
      [7, -5, 906],
      'read_out',
      { peerId: -5, localId: 906, peer: { type: 'community', peerId: -5, groupId: 5 } },
    ],
    [[10, -5, 2], 'dialog_flags_reset', { peerId: -5, mask: expect.objectContaining({ unanswered: true }) }],
    [
      [11, -5, 3],
      'dialog_flags_replace',
      { flags: expect.objectContaining({ important: true, unanswered: true }) },
    ],
    [
      [12, -5, 1],
      'dialog_flags_set',
      { mask: expect.objectContaining({ important: true, unanswered: false }) },
    ],
    [[13, 42, 900], 'messages_deleted', { peerId: 42, localId: 900 }],
    [[14, 42, 900], 'messages_restored', { peerId: 42, localId: 900 }],
    [[20, 42, 16], 'dialog_major_id', { peerId: 42, majorId: 16 }],
    [[21, 42, 77], 'dialog_minor_id', { peerId: 42, minorId: 77 }],
    [[51, 12, 1], 'chat_changed', { chatId: 12, peerId: 2000000012, self: true }],
    [
      [52, 6, 2000000012, 605182734],
      'chat_info_changed',
      { typeId: 6, change: 'member_joined', memberId: 605182734 },
    ],
    [[61, 7, 1], 'typing', { peerId: 7, userIds: [7] }],
    [[62, 7, 12], 'typing', { peerId: 2000000012, chatId: 12, userIds: [7] }],
    // 63/64: the official table lists user_ids first, SDKs the peer first. Both read the same.
    [
      [63, [7, 8], 2000000012, 2, 1748763200],
      'typing',
      { peerId: 2000000012, userIds: [7, 8], totalCount: 2, timestamp: 1748763200 },
    ],
    [
      [63, 2000000012, [7, 8], 2, 1748763200],
      'typing',
      { peerId: 2000000012, userIds: [7, 8], totalCount: 2, timestamp: 1748763200 },
    ],
    [[64, 42, [42], 1, 1748763200], 'voice_recording', { peerId: 42, userIds: [42], totalCount: 1 }],
    [[70, 42, 'call-7f3a'], 'call', { userId: 42, callId: 'call-7f3a' }],
    [[80, 4, 0], 'unread_count', { count: 4 }],
    [
      [114, 42, 1, -1],
      'notification_settings',
      { peerId: 42, sound: true, disabledUntil: -1, muted: true, form: 'positional' },
    ],
    [
      [114, { peer_id: 2000000012, sound: 0, disabled_until: 0, new_key: 'x' }],
      'notification_settings',
      {
        peerId: 2000000012,
        sound: false,
        disabledUntil: 0,
        muted: false,
        form: 'object',
        extra: { new_key: 'x' },
      },
    ],
  ];

  test.each(cases)('%j decodes to %s', (update, type, fields) => {
    const event = decodeUserUpdate(update);
    expect(event.type).toBe(type);
    expect(event.code).toBe(update[0]);
    expect(event).toMatchObject(fields);
  });

  test('every code of the table has a case here or in the fixture', () => {
    const covered = new Set([...cases.map(([update]) => update[0]), 4, 5, 8, 9]);
    expect(
      Object.keys(USER_EVENT_CODES)
        .map(Number)
        .filter((code) => !covered.has(code)),
    ).toEqual([]);
  });

  test('a restore (3 with the full set) carries the message content', () => {
    const event = decodeAs('message_flags_reset', [
      3,
      905112,
      128,
      487261935,
      1748763101,
      'back &amp; here',
      { title: ' ... ' },
      { attach1_type: 'photo', attach1: '1_2' },
      0,
    ]);
    expect(event.mask.deleted).toBe(true);
    expect(event.message).toMatchObject({
      text: 'back & here',
      attachments: [expect.objectContaining({ attachment: 'photo1_2' })],
      randomId: 0,
    });
    // A mask says nothing of the direction: no author is guessed for a private message.
    expect(event.message?.fromId).toBeUndefined();
    expect(decodeAs('message_flags_set', [2, 905112, 128]).peerId).toBeUndefined();
  });

  test('friends: the negative id comes out positive; the platform needs mode 64', () => {
    expect(decodeAs('friend_online', [8, -605182734, 260, 1748763121, 2274003])).toMatchObject({
      userId: 605182734,
      extra: 260,
      platform: 4,
      platformName: 'android',
      appId: 2274003,
    });
    const withoutPlatform = decodeAs('friend_online', [8, -605182734, 4, 1748763121], { mode: 2 });
    expect(withoutPlatform.platform).toBeUndefined();
    expect(withoutPlatform.extra).toBe(4);
    expect(decodeAs('friend_online', [8, -1, 99], { mode: 64 })).toMatchObject({ platform: 99 });
    expect(decodeAs('friend_online', [8, -1, 99], { mode: 64 }).platformName).toBeUndefined();
    expect(decodeAs('friend_offline', [9, -1, 0, 5])).toMatchObject({ userId: 1, timedOut: false });
  });

  test('event 52: both numberings are available and the raw type id is kept', () => {
    const update = [52, 5, 2000000012, 1204];
    expect(decodeAs('chat_info_changed', update)).toMatchObject({
      typeId: 5,
      change: 'pin',
      conversationMessageId: 1204,
      info: 1204,
    });
    const vksdk = decodeAs('chat_info_changed', update, { chatChangeNumbering: 'vksdk' });
    expect(vksdk).toMatchObject({ typeId: 5, change: 'member_joined', memberId: 1204 });
    expect(decodeAs('chat_info_changed', [52, 10, 2000000012, 0]).change).toBe('unknown');
    expect(CHAT_CHANGE_TYPES.vk_api[4]).toBe('settings');
  });
});

describe('unknown codes, extra and missing elements', () => {
  test('an unknown code is kept as an unknown event with its raw array', () => {
    const update = [10004, 1, 2, { anything: true }];
    const event = decodeUserUpdate(update);
    expect(event).toEqual({ type: 'unknown', code: 10004, raw: update, reason: 'unknown_code' });
    expect(event.raw).toBe(update);
  });

  test('malformed updates become unknown events instead of throwing', () => {
    for (const update of [
      null,
      'text',
      {},
      [],
      ['abc'],
      [4],
      [4, 'x', 1, 2, 3],
      [6, 42],
      [61],
      [63, 1, 2],
      [114],
    ]) {
      const event = decodeUserUpdate(update);
      expect(event.type, JSON.stringify(update)).toBe('unknown');
      expect(event).toMatchObject({ reason: 'malformed', raw: update });
    }
    expect(decodeUserUpdate([4]).code).toBe(4);
    expect(decodeUserUpdate('text').code).toBeUndefined();
  });

  test('extra elements are tolerated and kept', () => {
    const message = decodeAs('message_new', [4, 1, 1, 42, 100, 'hi', {}, {}, 0, 'future', 7]);
    expect(message).toMatchObject({ text: 'hi', randomId: 0, rest: ['future', 7] });
    expect(decodeAs('typing', [61, 42, 1, 'extra']).userIds).toEqual([42]);
    expect(decodeAs('unread_count', [80, 3, 0, 5, 9]).rest).toEqual([0, 5, 9]);
    expect(decodeAs('read_in', [6, 42, 9, 'x']).localId).toBe(9);
  });

  test('missing optional elements: no objects without mode 2, random_id only with mode 128', () => {
    expect(decodeAs('message_new', [4, 1, 1, 42, 100, 'plain'])).toMatchObject({
      text: 'plain',
      attachments: [],
      emoji: false,
      rest: [],
    });
    expect(decodeAs('message_new', [4, 1, 1, 42, 100, 'plain']).randomId).toBeUndefined();
    expect(decodeAs('message_new', [4, 1, 1, 42, 100, 'r', 55], { mode: 128 }).randomId).toBe(55);
    const noRandom = decodeAs('message_new', [4, 1, 1, 42, 100, 'r', 55], { mode: 2 });
    expect(noRandom.randomId).toBeUndefined();
    expect(noRandom.rest).toEqual([55]);
    expect(decodeAs('message_new', [4, 1, 1, 42, 100]).text).toBe('');
    expect(decodeAs('friend_online', [8, -5]).timestamp).toBeUndefined();
    expect(decodeAs('chat_changed', [51, 3]).self).toBeUndefined();
    expect(decodeAs('notification_settings', [114, 42])).toMatchObject({ sound: true, disabledUntil: 0 });
  });

  test('a minor_id before the peer (newer layouts) is told apart by type', () => {
    const message = decodeAs('message_new', [4, 905112, 1, 77, 487261935, 1748763101, 'hi', {}, {}, 0]);
    expect(message).toMatchObject({ minorId: 77, peerId: 487261935, timestamp: 1748763101, text: 'hi' });
    expect(decodeAs('message_new', [4, 905112, 1, 487261935, 1748763101, 'hi']).minorId).toBeUndefined();
  });

  test('a chat message whose text is only digits ("7") keeps the v3 layout: the JSON types decide, not the look', () => {
    // Real: a user typing "7" in a chat. The text is a JSON string that reads as a number.
    const message = decodeAs('message_new', [
      4,
      54896,
      532497,
      2000000017,
      1525071240,
      '7',
      { from: '375988312' },
      {},
    ]);
    expect(message).toMatchObject({
      messageId: 54896,
      peerId: 2000000017,
      peer: { type: 'chat' },
      fromId: 375988312,
      timestamp: 1525071240,
      text: '7',
    });
    expect(message.minorId).toBeUndefined();
    // An edit reads the same way; an all-numbers layout still gets its minor_id.
    expect(decodeAs('message_edit', [5, 54896, 532497, 2000000017, 1525071240, '12', {}, {}]).text).toBe(
      '12',
    );
    expect(decodeAs('message_new', [4, 1, 1, 7, 2000000017, 1525071240, '7']).minorId).toBe(7);
  });
});

describe('HTML unescaping', () => {
  test('VK’s five replacements, numeric entities, and no double decoding', () => {
    expect(unescapeVkText('a<br>b&lt;c&gt;d&quot;e&amp;f')).toBe('a\nb<c>d"e&f');
    expect(unescapeVkText('&amp;lt; stays &lt; once')).toBe('&lt; stays < once');
    expect(unescapeVkText('&amp;amp;')).toBe('&amp;');
    expect(unescapeVkText('it&#39;s &#x1F609; &#128512;')).toBe("it's 😉 😀");
    expect(unescapeVkText('<br/><BR />')).toBe('\n\n');
  });

  test('unknown or invalid entities are left as they came', () => {
    expect(unescapeVkText('&nbsp;&copy;&#xD800;&#0;&#99999999;& ;')).toBe(
      '&nbsp;&copy;&#xD800;&#0;&#99999999;& ;',
    );
    expect(unescapeVkText('plain text')).toBe('plain text');
  });

  test('titles, service texts and link titles are unescaped too', () => {
    const message = decodeAs('message_new', [
      4,
      9,
      8193,
      2000000012,
      100,
      '',
      {
        from: '1',
        title: 'Q&amp;A &lt;club&gt;',
        source_act: 'chat_title_update',
        source_text: 'Q&amp;A &lt;club&gt;',
        source_old_text: '&quot;Books&quot;',
      },
      {
        attach1_type: 'link',
        attach1_title: 'A &amp; B',
        attach1_desc: '1&lt;2',
        attach1_url: 'https://x.y',
      },
    ]);
    expect(message.title).toBe('Q&A <club>');
    expect(message.action).toEqual({ type: 'chat_title_update', text: 'Q&A <club>', oldText: '"Books"' });
    expect(message.attachments[0]).toMatchObject({
      type: 'link',
      title: 'A & B',
      description: '1<2',
      url: 'https://x.y',
    });
  });
});

describe('flags', () => {
  test('each named bit decodes to its boolean and nothing else', () => {
    for (const [name, bit] of Object.entries(MESSAGE_FLAGS)) {
      const flags = decodeMessageFlags(bit);
      const set = Object.entries(MESSAGE_FLAGS)
        .filter(([other]) => flags[other as keyof typeof MESSAGE_FLAGS])
        .map(([other]) => other);
      expect(set, name).toEqual([name]);
      expect(flags.unknownBits).toBe(0);
    }
  });

  test('unknown bits are kept, also above 2^31', () => {
    expect(decodeMessageFlags(8193 + 4096 + 2097152)).toMatchObject({
      unread: true,
      unknownBits: 8192 + 4096 + 2097152,
    });
    const high = 2 ** 31 + 2 ** 32 + 3;
    expect(decodeMessageFlags(high)).toMatchObject({
      unread: true,
      outbox: true,
      unknownBits: 2 ** 31 + 2 ** 32,
    });
    expect(decodeMessageFlags(0)).toMatchObject({ unread: false, raw: 0, unknownBits: 0 });
    expect(decodeDialogFlags(7)).toEqual({ important: true, unanswered: true, raw: 7, unknownBits: 4 });
  });

  test('deleted for all and not delivered', () => {
    expect(decodeAs('message_flags_set', [2, 1, 131200, 42]).mask).toMatchObject({
      deleted: true,
      deleteForAll: true,
      notDelivered: false,
    });
    expect(decodeMessageFlags(262144 + 65536)).toMatchObject({ notDelivered: true, hidden: true });
  });
});

describe('attachments and additional fields', () => {
  test('stickers, access keys, unknown suffixes, and numeric index order', () => {
    const message = decodeAs('message_new', [
      4,
      1,
      1,
      42,
      100,
      '',
      {},
      {
        attach10_type: 'photo',
        attach10: '-5_6_abc123',
        attach2_type: 'sticker',
        attach2: '9015',
        attach2_product_id: '279',
        attach1_type: 'doc',
        attach1: '42_7',
        attach1_kind: 'graffiti',
        attach1_new_thing: 'yes',
      },
    ]);
    expect(message.attachments.map((attachment) => attachment.index)).toEqual([1, 2, 10]);
    expect(message.attachments[0]).toMatchObject({ kind: 'graffiti', extra: { new_thing: 'yes' } });
    expect(message.attachments[1]).toMatchObject({ type: 'sticker', value: '9015', productId: 279 });
    expect(message.attachments[1]?.attachment).toBeUndefined();
    expect(message.attachments[2]).toMatchObject({
      ownerId: -5,
      itemId: 6,
      accessKey: 'abc123',
      attachment: 'photo-5_6_abc123',
    });
  });

  test('attachments inside `additional` (older layouts, chat photo updates) are read too', () => {
    const message = decodeAs('message_new', [
      4,
      1,
      8193,
      2000000012,
      100,
      '',
      {
        attach1_type: 'photo',
        attach1: '247178624_456242629',
        source_act: 'chat_photo_update',
        from: '247178624',
      },
    ]);
    expect(message.action?.type).toBe('chat_photo_update');
    expect(message.attachments[0]?.attachment).toBe('photo247178624_456242629');
  });

  test('fwd, reply, geo and full attachments', () => {
    const message = decodeAs('message_new', [
      4,
      1,
      1,
      42,
      100,
      'see',
      {},
      {
        fwd: '42_900,42_901',
        reply: '{"conversation_message_id":1204}',
        geo: '2_SVK-le',
        geo_provider: '4',
        attachments: '[{"type":"photo","photo":{"id":6}}]',
        attachments_count: '1',
      },
    ]);
    expect(message.forwarded).toEqual({
      raw: '42_900,42_901',
      items: [
        { fromId: 42, messageId: 900 },
        { fromId: 42, messageId: 901 },
      ],
    });
    expect(message.reply).toEqual({
      raw: '{"conversation_message_id":1204}',
      value: { conversation_message_id: 1204 },
      conversationMessageId: 1204,
    });
    expect(message.geo).toEqual({ value: '2_SVK-le', provider: 4 });
    expect(message.fullAttachments).toEqual([{ type: 'photo', photo: { id: 6 } }]);
    expect(message.attachmentsCount).toBe(1);
    expect(decodeAs('message_new', [4, 1, 1, 42, 100, '', {}, { reply: 'not json' }]).reply).toEqual({
      raw: 'not json',
    });
  });

  test('typed additional keys, and unknown or mistyped keys kept in extra', () => {
    const message = decodeAs('message_new', [
      4,
      1,
      1,
      -218734561,
      100,
      'hi',
      {
        from_admin: '148293657',
        payload: '{"command":"start"}',
        keyboard: '{"one_time":false,"buttons":[]}',
        has_template: '1',
        expire_ttl: '86400',
        is_expired: '0',
        ref_source: 'qr',
        marked_users: [[1, [7]]],
        from: { not: 'an id' },
      },
      {},
    ]);
    expect(message).toMatchObject({
      peer: { type: 'community', groupId: 218734561 },
      fromAdmin: 148293657,
      payload: '{"command":"start"}',
      keyboard: { one_time: false, buttons: [] },
      hasTemplate: true,
      expireTtl: 86400,
      isExpired: false,
      refSource: 'qr',
      extra: { marked_users: [[1, [7]]], from: { not: 'an id' } },
    });
    // `from` was not an id, so the author falls back to the private peer.
    expect(message.fromId).toBe(-218734561);
    expect(decodeAs('message_new', [4, 1, 1, 42, 100, '', { keyboard: { buttons: [] } }]).keyboard).toEqual({
      buttons: [],
    });
  });

  test('service actions: kick, pin with its message and cmid', () => {
    const kick = decodeAs('message_new', [
      4,
      1,
      8193,
      2000000012,
      100,
      '',
      { from: '1', source_act: 'chat_kick_user', source_mid: '-218734561' },
    ]);
    expect(kick.action).toEqual({ type: 'chat_kick_user', memberId: -218734561 });
    const pin = decodeAs('message_new', [
      4,
      2,
      8193,
      2000000012,
      100,
      '',
      {
        from: '1',
        source_act: 'chat_pin_message',
        source_mid: '1',
        source_message: 'Встреча в 9 &amp; не опаздывать',
        source_chat_local_id: '1204',
      },
    ]);
    expect(pin.action).toEqual({
      type: 'chat_pin_message',
      memberId: 1,
      message: 'Встреча в 9 & не опаздывать',
      chatLocalId: 1204,
    });
  });
});

describe('peers', () => {
  test('user, chat and community peers with their local ids', () => {
    expect(peerType(193847562)).toBe('user');
    expect(peerType(2000000012)).toBe('chat');
    expect(peerType(-218734561)).toBe('community');
    expect(describePeer(2000000012)).toEqual({ type: 'chat', peerId: 2000000012, chatId: 12 });
    expect(describePeer(-218734561)).toEqual({ type: 'community', peerId: -218734561, groupId: 218734561 });
    expect(chatPeerId(12)).toBe(2000000012);
  });

  test('version 0 community peers (group_id + 1000000000) only when asked for', () => {
    expect(describePeer(1218734561, { version: 0 })).toEqual({
      type: 'community',
      peerId: 1218734561,
      groupId: 218734561,
    });
    expect(peerType(1218734561)).toBe('user');
  });

  test('the ordering key of an event is its peer, the friend, or none', () => {
    const [typing, , , chat] = fixtureUpdates().map((update) => decodeUserUpdate(update));
    expect(typing && userEventPeerId(typing)).toBe(487261935);
    expect(chat && userEventPeerId(chat)).toBe(2000000012);
    expect(userEventPeerId(decodeUserUpdate([8, -5, 0, 1]))).toBe(5);
    expect(userEventPeerId(decodeUserUpdate([80, 1, 0]))).toBeUndefined();
    expect(userEventPeerId(decodeUserUpdate([999]))).toBeUndefined();
  });
});

describe('types', () => {
  test('narrowing on type gives the typed fields; handler maps derive from the event map', () => {
    const event: UserLongPollEvent = decodeUserUpdate([4, 1, 1, 42, 100, 'hi']);
    if (event.type === 'message_new') {
      expectTypeOf(event.text).toEqualTypeOf<string>();
      expectTypeOf(event.code).toEqualTypeOf<4>();
      expectTypeOf(event.raw).toEqualTypeOf<readonly unknown[]>();
    }
    if (event.type === 'typing') expectTypeOf(event.code).toEqualTypeOf<61 | 62 | 63>();
    if (event.type === 'unknown') expectTypeOf(event.code).toEqualTypeOf<number | undefined>();
    const seen: string[] = [];
    const handlers: UserEventHandlers = {
      message_new: (message) => {
        seen.push(message.text);
      },
      friend_online: (friend) => {
        seen.push(String(friend.userId));
      },
    };
    expectTypeOf<Parameters<NonNullable<UserEventHandlers['message_new']>>[0]>().toEqualTypeOf<
      UserEventMap['message_new']
    >();
    const context = {
      transport: 'user_long_poll',
      signal: new AbortController().signal,
      groupId: undefined,
      eventId: undefined,
      retryCounter: 0,
    } as const;
    if (event.type === 'message_new') void handlers.message_new?.(event, context);
    expect(seen).toEqual(['hi']);
  });
});
