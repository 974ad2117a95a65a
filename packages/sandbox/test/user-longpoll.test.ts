import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, ok } from './helpers.js';

/** What `messages.getLongPollServer` gives. */
interface UserSession {
  server: string;
  key: string;
  ts: number;
  pts?: number;
}

interface UserAnswer {
  ts?: number;
  pts?: number;
  updates?: unknown[][];
  failed?: number;
  min_version?: number;
  max_version?: number;
}

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

async function session(token = vk.group.token, params: Record<string, number> = {}): Promise<UserSession> {
  return ok<UserSession>(vk, 'messages.getLongPollServer', { lp_version: 3, ...params }, token);
}

async function check(
  s: UserSession,
  query: { mode?: number; wait?: number; version?: number | null; key?: string; ts?: number | string } = {},
): Promise<{ status: number; answer: UserAnswer }> {
  const params = new URLSearchParams({
    act: 'a_check',
    key: query.key ?? s.key,
    ts: String(query.ts ?? s.ts),
    wait: String(query.wait ?? 0),
    mode: String(query.mode ?? 0),
  });
  if (query.version !== null) params.set('version', String(query.version ?? 3));
  const response = await fetch(`http://${s.server}?${params}`);
  const text = await response.text();
  return { status: response.status, answer: response.status === 200 ? (JSON.parse(text) as UserAnswer) : {} };
}

/** Polls from the session's ts (advancing it) until `count` updates arrived. */
async function collect(s: UserSession, count: number, mode = 0): Promise<unknown[][]> {
  const updates: unknown[][] = [];
  while (updates.length < count) {
    const { answer } = await check(s, { mode, wait: 5 });
    if (answer.failed !== undefined) throw new Error(`failed ${answer.failed}`);
    updates.push(...(answer.updates ?? []));
    s.ts = answer.ts as number;
  }
  return updates;
}

describe('messages.getLongPollServer', () => {
  test('gives a server without a scheme at /im/<owner>, a key and integer ts (and pts on request)', async () => {
    const s = await session(vk.group.token, { need_pts: 1 });
    expect(s.server).not.toMatch(/^https?:/);
    expect(s.server).toMatch(new RegExp(`/im/-${vk.group.id}$`));
    expect(s.key).toMatch(/^[0-9a-f]+$/);
    expect(Number.isInteger(s.ts)).toBe(true);
    expect(Number.isInteger(s.pts)).toBe(true);
    expect(s.pts).not.toBe(s.ts);

    const user = vk.user(7);
    const own = await session(user.token);
    expect(own.server).toMatch(/\/im\/7$/);
  });
});

describe('a_check', () => {
  test('version other than 3 → failed 4 with the accepted range; a bad key → failed 2', async () => {
    const s = await session();
    expect((await check(s, { version: 19 })).answer).toEqual({ failed: 4, min_version: 3, max_version: 3 });
    expect((await check(s, { version: null })).answer.failed).toBe(4);
    expect((await check(s, { key: 'nope' })).answer).toEqual({ failed: 2 });
    // another account's key does not open this stream
    const other = await session(vk.user(8).token);
    expect((await check(s, { key: other.key })).answer).toEqual({ failed: 2 });
  });

  test('an empty answer keeps ts; mode 32 adds pts to every answer', async () => {
    const s = await session();
    expect((await check(s)).answer).toEqual({ ts: s.ts, updates: [] });
    const { answer } = await check(s, { mode: 32 });
    expect(answer).toEqual({ ts: s.ts, pts: expect.any(Number), updates: [] });
  });

  test('a held request answers as soon as an event comes', async () => {
    const s = await session();
    const started = Date.now();
    const pending = check(s, { wait: 10 });
    setTimeout(() => vk.user(5).send('late'), 100);
    const { answer } = await pending;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.updates?.[0]?.[0]).toBe(4);
  });

  test('a ts older than the kept history → failed 1 with the ts to continue from', async () => {
    await vk.close();
    vk = await createSandbox({ longPoll: { historySize: 3 } });
    const s = await session();
    for (let i = 0; i < 5; i += 1) vk.emitUserUpdate([80, i, 0]);
    const { answer } = await check(s);
    expect(answer.failed).toBe(1);
    expect(answer.ts).toBeGreaterThan(s.ts);
    // continuing from it gives what history still holds: the newest three
    const after = await check(s, { ts: answer.ts as number });
    expect(after.answer.updates).toEqual([
      [80, 2, 0],
      [80, 3, 0],
      [80, 4, 0],
    ]);
  });
});

describe('events of simulated actions', () => {
  test('a user message to the community: event 4, unread and incoming, then the unread counter', async () => {
    const s = await session();
    const sent = vk.user(5).send('hi & <b>"bye"</b>\nsecond line');
    const [message, counter] = await collect(s, 2);
    expect(message).toEqual([
      4,
      sent.id,
      1,
      5,
      expect.any(Number),
      'hi &amp; &lt;b&gt;&quot;bye&quot;&lt;/b&gt;<br>second line',
    ]);
    expect(counter).toEqual([80, 1, 0]);
  });

  test('mode 2 adds the additional and attachments objects; mode 128 the random_id', async () => {
    const s = await session();
    const first = vk.user(5).send('photo 😀', {
      attachments: [
        { type: 'photo' },
        { type: 'audio_message' },
        { type: 'sticker', stickerId: 9, productId: 3 },
      ],
      payload: { command: 'start' },
    });
    const [update] = await collect(s, 1, 2 | 128);
    expect(update?.slice(0, 4)).toEqual([4, first.id, 1, 5]);
    expect(update?.[6]).toEqual({ title: ' ... ', emoji: '1', payload: '{"command":"start"}' });
    expect(update?.[7]).toEqual({
      attach1_type: 'photo',
      attach1: expect.stringMatching(/^5_\d+$/),
      attach2_type: 'doc',
      attach2: expect.stringMatching(/^5_\d+$/),
      attach2_kind: 'audiomsg',
      attach3_type: 'sticker',
      attach3: '9',
      attach3_product_id: '3',
    });
    // a user's own message has no random_id to the community
    expect(update?.[8]).toBe(0);
    expect(update).toHaveLength(9);
  });

  test('the community answers: its message is outgoing with its random_id, the dialog becomes read', async () => {
    const community = await session();
    const user = vk.user(5);
    const userSession = await session(user.token);
    const incoming = user.send('question');
    await collect(community, 2);
    const id = await ok<number>(vk, 'messages.send', { peer_id: 5, message: 'answer', random_id: 4242 });
    const updates = await collect(community, 3, 128);
    expect(updates).toContainEqual([4, id, 3, 5, expect.any(Number), 'answer', 4242]);
    expect(updates).toContainEqual([6, 5, incoming.id]);
    expect(updates).toContainEqual([80, 0, 0]);

    // the user sees their own message as outgoing (peer = -group), then the answer, then 7: read by the community
    const seen = await collect(userSession, 3);
    const own = seen.find((update) => update[0] === 4 && update[5] === 'question');
    expect(own?.slice(0, 4)).toEqual([4, expect.any(Number), 3, -vk.group.id]);
    const answer = seen.find((update) => update[0] === 4 && update[5] === 'answer');
    expect(answer?.slice(0, 4)).toEqual([4, expect.any(Number), 1, -vk.group.id]);
    expect(seen).toContainEqual([7, -vk.group.id, own?.[1]]);
  });

  test('edits (5) and deletions for all (2 with DELETED | DELETE_FOR_ALL)', async () => {
    vk.user(5).send('hello');
    const community = await session();
    const id = await ok<number>(vk, 'messages.send', { peer_id: 5, message: 'v1', random_id: 1 });
    await ok(vk, 'messages.edit', { peer_id: 5, message_id: id, message: 'v2' });
    await ok(vk, 'messages.delete', { message_ids: id, delete_for_all: 1 });
    const updates = await collect(community, 3);
    expect(updates).toContainEqual([5, id, expect.any(Number), 5, expect.any(Number), 'v2']);
    expect(updates).toContainEqual([2, id, 128 | 131072, 5]);
  });

  test('chats: `from` in additional, the chat flag, service actions with source_* keys', async () => {
    const chat = vk.createChat({ title: 'Team & co', members: [5, 6] });
    const s = await session();
    vk.user(6).send('in chat', { peerId: chat.peerId });
    chat.rename('New <name>', { by: 5 });
    const updates = await collect(s, 2, 2);
    const [message, service] = updates.filter((update) => update[0] === 4);
    expect(message?.slice(0, 4)).toEqual([4, 0, 8192 | 1, chat.peerId]);
    expect(message?.[6]).toEqual({ from: '6', title: 'Team &amp; co' });
    expect(service?.[5]).toBe('');
    expect(service?.[6]).toEqual({
      from: '5',
      source_act: 'chat_title_update',
      source_text: 'New &lt;name&gt;',
      source_old_text: 'Team &amp; co',
    });
  });

  test('chats: a pin names the pinned text and cmid (source_message, source_chat_local_id)', async () => {
    const chat = vk.createChat({ title: 'T', members: [5, 6] });
    const rules = vk.user(5).send('Be <nice>', { peerId: chat.peerId });
    const s = await session();
    chat.pin(6, rules.cmid);
    const [pin] = (await collect(s, 1, 2)).filter((update) => update[0] === 4);
    expect(pin?.[6]).toEqual({
      from: '6',
      source_act: 'chat_pin_message',
      source_mid: '6',
      source_message: 'Be &lt;nice&gt;',
      source_chat_local_id: String(rules.cmid),
    });
  });

  test('typing: 61 in a private dialog, 62 in a chat', async () => {
    const chat = vk.createChat({ title: 'T', members: [5, 6] });
    const s = await session();
    vk.user(5).typing();
    vk.user(6).typing(chat.peerId);
    expect(await collect(s, 2)).toEqual([
      [61, 5, 1],
      [62, 6, chat.chatId],
    ]);
  });

  test('emitUserUpdate puts any array in as it is, unknown codes included', async () => {
    const s = await session();
    vk.emitUserUpdate([8, -5, 4, 1_700_000_000]);
    vk.emitUserUpdate([999, 'future', { x: 1 }]);
    expect(await collect(s, 2, 2)).toEqual([
      [8, -5, 4, 1_700_000_000],
      [999, 'future', { x: 1 }],
    ]);
    expect(vk.userLongPollTs()).toBe(s.ts);
  });
});

describe('faults', () => {
  test('failed 1/2/3, drops, 5xx pages and delays', async () => {
    const s = await session();
    vk.faults.userLongPollFailed(1, { times: 1 });
    expect((await check(s)).answer).toEqual({ failed: 1, ts: s.ts });
    vk.faults.userLongPollFailed(2, { times: 1 });
    expect((await check(s)).answer).toEqual({ failed: 2 });
    // failed 2 expired the key: it stays failed until a new one is fetched
    expect((await check(s)).answer).toEqual({ failed: 2 });
    const fresh = await session();
    vk.faults.userLongPollFailed(3, { times: 1 });
    expect((await check(fresh)).answer).toEqual({ failed: 3 });

    const again = await session();
    vk.faults.userLongPollStatus(502, { times: 1 });
    expect((await check(again)).status).toBe(502);
    vk.faults.userLongPollDrop({ times: 1 });
    await expect(check(again)).rejects.toThrow();
    vk.faults.userLongPollDelay(300, { times: 1 });
    const started = Date.now();
    expect((await check(again)).answer.updates).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // Bots Long Poll faults do not touch the User Long Poll
    vk.faults.longPollFailed(3, { times: 1 });
    expect((await check(again)).answer.failed).toBeUndefined();
  });

  test('faults through the control API target userLongPoll too', async () => {
    const s = await session();
    const response = await fetch(`${vk.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        target: 'userLongPoll',
        action: { kind: 'failed', code: 2 },
        options: { times: 1 },
      }),
    });
    expect(response.status).toBeLessThan(300);
    expect((await check(s)).answer).toEqual({ failed: 2 });
  });

  test('a user token without Long Poll access still gets a server (users always may)', async () => {
    const answer = await call(vk, 'messages.getLongPollServer', { lp_version: 3 }, vk.user(9).token);
    expect(answer.error).toBeUndefined();
  });
});
