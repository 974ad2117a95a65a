import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryRateLimiter, VkApi } from '@vkwire/api-client';
import type { Sandbox } from '@vkwire/sandbox';
import { afterEach, describe, expect, test } from 'vitest';
import {
  LongPollFailedError,
  type LongPollGap,
  UserLongPoll,
  type UserLongPollEvent,
  type UserLongPollOptions,
} from '../src/index.js';
import { sleep, userRig as startUserRig, type UserRig, until } from './setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function userRig(token?: (vk: Sandbox) => string): Promise<UserRig> {
  const rig = await startUserRig(token);
  cleanups.push(rig.close);
  return rig;
}

/** Starts a poll that records every event. */
async function recording(rig: UserRig, options: Partial<UserLongPollOptions> = {}) {
  const events: UserLongPollEvent[] = [];
  const poll = rig.poll(options).on((event) => {
    events.push(event);
  });
  await poll.start();
  return { poll, events };
}

const ofType = <T extends UserLongPollEvent['type']>(events: UserLongPollEvent[], type: T) =>
  events.filter((event): event is Extract<UserLongPollEvent, { type: T }> => event.type === type);

describe('decoding what the sandbox sends', () => {
  test('a user message: typed, flags named, text HTML-unescaped, attachments and payload read', async () => {
    const rig = await userRig();
    const texts: string[] = [];
    const { events } = await recording(rig);
    rig.poll(); // a second client must not disturb the first
    rig.vk.user(5).send('a & b <c> "d"\nline 2 😀', {
      attachments: [{ type: 'photo' }, { type: 'audio_message' }],
      payload: { command: 'go' },
    });
    await until(() => ofType(events, 'message_new').length === 1);
    const [message] = ofType(events, 'message_new');
    texts.push(message?.text ?? '');
    expect(texts).toEqual(['a & b <c> "d"\nline 2 😀']);
    expect(message).toMatchObject({
      code: 4,
      peerId: 5,
      peer: { type: 'user' },
      flags: { unread: true, outbox: false },
      emoji: true,
      payload: '{"command":"go"}',
      randomId: 0,
    });
    expect(message?.attachments.map((attachment) => [attachment.type, attachment.kind])).toEqual([
      ['photo', undefined],
      ['doc', 'audiomsg'],
    ]);
    expect(message?.attachments[0]?.attachment).toMatch(/^photo5_\d+$/);
    await until(() => ofType(events, 'unread_count').length === 1);
    expect(ofType(events, 'unread_count')[0]).toMatchObject({ count: 1 });
  });

  test('the community’s answer: outgoing with its random_id; the dialog is read (6) and the counter drops', async () => {
    const rig = await userRig();
    const { events } = await recording(rig);
    const incoming = rig.vk.user(5).send('question');
    await until(() => events.length === 2);
    const id = await rig.api.messages.send({ peer_id: 5, message: 'answer', random_id: 777 });
    await until(
      () => ofType(events, 'message_new').length === 2 && ofType(events, 'unread_count').length === 2,
    );
    expect(ofType(events, 'message_new')[1]).toMatchObject({
      messageId: id,
      fromId: -rig.vk.group.id,
      text: 'answer',
      randomId: 777,
      flags: { outbox: true },
    });
    expect(ofType(events, 'read_in')).toEqual([expect.objectContaining({ peerId: 5, localId: incoming.id })]);
    expect(ofType(events, 'unread_count')[1]).toMatchObject({ count: 0 });
  });

  test('with a user token: the user’s view of a dialog, read_out (7), edits and deletions', async () => {
    const rig = await userRig((vk) => vk.user(5).token);
    const { vk } = rig;
    const community = new VkApi({
      token: vk.group.token,
      baseUrl: vk.apiUrl,
      rateLimiter: new MemoryRateLimiter(),
    });
    cleanups.push(() => community.close());
    const { events } = await recording(rig);
    vk.user(5).send('hi');
    const id = await community.messages.send({ peer_id: 5, message: 'v1', random_id: 1 });
    await community.messages.edit({ peer_id: 5, message_id: id, message: 'v2 &' });
    await community.messages.delete({ message_ids: [id], delete_for_all: true });
    await until(() => ofType(events, 'message_flags_set').length === 1);
    const [own, answer] = ofType(events, 'message_new');
    expect(own).toMatchObject({
      peerId: -vk.group.id,
      peer: { type: 'community' },
      flags: { outbox: true },
      fromId: 5,
    });
    expect(answer).toMatchObject({
      text: 'v1',
      fromId: -vk.group.id,
      flags: { outbox: false, unread: true },
    });
    expect(ofType(events, 'read_out')).toEqual([
      expect.objectContaining({ peerId: -vk.group.id, localId: own?.messageId }),
    ]);
    expect(ofType(events, 'message_edit')[0]).toMatchObject({ messageId: answer?.messageId, text: 'v2 &' });
    expect(ofType(events, 'message_flags_set')[0]).toMatchObject({
      messageId: answer?.messageId,
      mask: { deleted: true, deleteForAll: true },
      peerId: -vk.group.id,
    });
  });

  test('chats: the author in `from`, the chat flag, service actions with old and new titles', async () => {
    const rig = await userRig();
    const chat = rig.vk.createChat({ title: 'Old & gold', members: [5, 6] });
    const { events } = await recording(rig);
    rig.vk.user(6).send('in chat', { peerId: chat.peerId });
    chat.rename('New <title>', { by: 5 });
    await until(() => ofType(events, 'message_new').length === 2);
    const [message, service] = ofType(events, 'message_new');
    expect(message).toMatchObject({
      peerId: chat.peerId,
      peer: { type: 'chat' },
      fromId: 6,
      title: 'Old & gold',
    });
    expect(service).toMatchObject({
      fromId: 5,
      text: '',
      action: { type: 'chat_title_update', text: 'New <title>', oldText: 'Old & gold' },
    });
  });

  test('typing, friends, unknown codes and malformed arrays all arrive; none is dropped', async () => {
    const rig = await userRig();
    const chat = rig.vk.createChat({ title: 'T', members: [5, 6] });
    const { events } = await recording(rig);
    rig.vk.user(5).typing();
    rig.vk.user(6).typing(chat.peerId);
    rig.vk.emitUserUpdate([8, -7, 4, 1_700_000_000]);
    rig.vk.emitUserUpdate([9, -7, 1, 1_700_000_100]);
    rig.vk.emitUserUpdate([114, { peer_id: 5, sound: 0, disabled_until: -1 }]);
    rig.vk.emitUserUpdate([4242, 'from the future']);
    rig.vk.emitUserUpdate([4, 'not a number']);
    await until(() => events.length === 7);
    const typing = ofType(events, 'typing');
    expect(typing.map((event) => [event.code, event.userIds, event.peerId])).toEqual([
      [61, [5], 5],
      [62, [6], chat.peerId],
    ]);
    expect(ofType(events, 'friend_online')[0]).toMatchObject({ userId: 7, platformName: 'android' });
    expect(ofType(events, 'friend_offline')[0]).toMatchObject({ userId: 7, timedOut: true });
    expect(ofType(events, 'notification_settings')[0]).toMatchObject({
      peerId: 5,
      muted: true,
      sound: false,
    });
    expect(ofType(events, 'unknown').map((event) => [event.reason, event.raw])).toEqual([
      ['unknown_code', [4242, 'from the future']],
      ['malformed', [4, 'not a number']],
    ]);
  });

  test('typed handlers per event type and for await', async () => {
    const rig = await userRig();
    const texts: string[] = [];
    const poll = rig.poll().on('message_new', (event) => {
      texts.push(event.text);
    });
    await poll.start();
    rig.vk.user(5).send('one');
    await until(() => texts.length === 1);
    await poll.stop();

    for (let index = 0; index < 3; index += 1) rig.vk.user(index + 10).send(`m${index}`);
    const seen: string[] = [];
    for await (const event of rig.poll({ ts: '0' })) {
      if (event.type === 'message_new') seen.push(event.text);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['one', 'm0', 'm1']);
  });
});

describe('order, checkpoints, stop', () => {
  test('events of one conversation are handled one at a time and in order', async () => {
    const rig = await userRig();
    const running = new Map<number, number>();
    const order: string[] = [];
    let overlap = false;
    const poll = rig.poll({ concurrency: 8 }).on('message_new', async (event) => {
      const now = (running.get(event.peerId) ?? 0) + 1;
      running.set(event.peerId, now);
      if (now > 1) overlap = true;
      await sleep(5);
      order.push(`${event.peerId}:${event.text}`);
      running.set(event.peerId, now - 1);
    });
    await poll.start();
    for (let index = 0; index < 10; index += 1) {
      rig.vk.user(5).send(`a${index}`);
      rig.vk.user(6).send(`b${index}`);
    }
    await until(() => order.length === 20);
    expect(overlap).toBe(false);
    expect(order.filter((entry) => entry.startsWith('5:'))).toEqual(
      Array.from({ length: 10 }, (_, index) => `5:a${index}`),
    );
  });

  test('a restart from the last checkpoint loses nothing', async () => {
    const rig = await userRig();
    let checkpoint: string | undefined;
    const texts: string[] = [];
    const first = rig
      .poll({
        onCheckpoint: (ts) => {
          checkpoint = ts;
        },
      })
      .on('message_new', (event) => {
        texts.push(event.text);
      });
    await first.start();
    rig.vk.user(5).send('before');
    await until(() => texts.length === 1 && checkpoint !== undefined && Number(checkpoint) >= 2);
    await first.stop();
    rig.vk.user(5).send('while stopped');
    const second = rig.poll({ ts: checkpoint }).on('message_new', (event) => {
      texts.push(event.text);
    });
    await second.start();
    await until(() => texts.length === 2);
    expect(texts).toEqual(['before', 'while stopped']);
  });

  test('stop aborts the held request at once', async () => {
    const rig = await userRig();
    const poll = rig.poll({ wait: 25 });
    await poll.start();
    await sleep(50);
    const started = performance.now();
    await poll.stop();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('failures', () => {
  test.each([
    ['failed 1', (vk: Sandbox) => vk.faults.userLongPollFailed(1, { times: 2 })],
    ['failed 2', (vk: Sandbox) => vk.faults.userLongPollFailed(2, { times: 2 })],
    ['dropped connections', (vk: Sandbox) => vk.faults.userLongPollDrop({ times: 2 })],
    ['5xx pages', (vk: Sandbox) => vk.faults.userLongPollStatus(502, { times: 2 })],
    ['slow answers', (vk: Sandbox) => vk.faults.userLongPollDelay(300, { times: 2 })],
  ])('%s: nothing lost, nothing handled twice', async (_name, inject) => {
    const rig = await userRig();
    const texts: string[] = [];
    const poll = rig.poll().on('message_new', (event) => {
      texts.push(event.text);
    });
    await poll.start();
    rig.vk.user(5).send('m0');
    await until(() => texts.length === 1);
    inject(rig.vk);
    for (let index = 1; index < 20; index += 1) rig.vk.user(5 + (index % 3)).send(`m${index}`);
    await until(() => texts.length >= 20);
    await sleep(100);
    expect(texts.sort()).toEqual(Array.from({ length: 20 }, (_, index) => `m${index}`).sort());
  });

  test('failed 3: a new key and ts, and the possible gap is reported', async () => {
    const rig = await userRig();
    const gaps: LongPollGap[] = [];
    const texts: string[] = [];
    const poll = rig.poll({ onGap: (gap) => gaps.push(gap) }).on('message_new', (event) => {
      texts.push(event.text);
    });
    await poll.start();
    rig.vk.faults.userLongPollFailed(3, { times: 1 });
    await until(() => gaps.length === 1);
    rig.vk.user(5).send('after');
    await until(() => texts.includes('after'));
    expect(gaps[0]).toMatchObject({ reason: 'failed_3' });
  });

  test('failed 4 (a version the server refuses) ends the poll: finished says fatal with the typed error, for await throws it', async () => {
    // A VK stand-in that refuses version 3, as a server speaking only newer layouts would.
    const server = await standIn((url) =>
      url.pathname === '/method/messages.getLongPollServer'
        ? { response: { key: 'k', server: `${url.host}/im/1`, ts: 10 } }
        : { failed: 4, min_version: 10, max_version: 19 },
    );
    const api = new VkApi({ token: 'user-token', baseUrl: `${server.url}/method`, tokenType: 'user' });
    cleanups.push(() => api.close());
    const errors: unknown[] = [];
    const poll = new UserLongPoll({ api, wait: 1, ownerId: 1, onError: (error) => errors.push(error) });
    await poll.start();
    await until(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(LongPollFailedError);
    expect(errors[0]).toMatchObject({
      code: 'long_poll_failed',
      failed: 4,
      fatal: true,
      message: expect.stringContaining('10..19'),
    });
    const requests = server.checks;
    await sleep(200);
    expect(server.checks).toBe(requests); // no retry loop
    // The end is told by `finished`, not only by onError.
    expect(await poll.finished).toEqual({ reason: 'fatal', error: errors[0] });
    await expect(poll.start()).rejects.toMatchObject({ code: 'long_poll_stopped' });

    const again = new UserLongPoll({ api, wait: 1, ownerId: 1, onError: () => {} });
    await expect(
      (async () => {
        for await (const _ of again) {
          // no events come
        }
      })(),
    ).rejects.toBeInstanceOf(LongPollFailedError);
  });
});

/** A minimal HTTP stand-in: JSON answers by URL; counts a_check requests. */
async function standIn(answer: (url: URL) => unknown): Promise<{ url: string; readonly checks: number }> {
  let checks = 0;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    if (url.searchParams.get('act') === 'a_check') checks += 1;
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer(url)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get checks() {
      return checks;
    },
  };
}
