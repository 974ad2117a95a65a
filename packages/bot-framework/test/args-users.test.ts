import { VkApi } from '@vkwire/api-client';
import { silentLogger, VkwireConfigError } from '@vkwire/core';
import type { VkMessage } from '@vkwire/events-schema';
import { GroupLongPoll } from '@vkwire/longpoll';
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type ArgsEnv, type ArgsSpec, ArgumentError, arg, parseArgs } from '../src/args/index.js';

let vk: Sandbox;
let api: VkApi;
let env: ArgsEnv;

beforeEach(async () => {
  vk = await createSandbox({ rateLimit: false });
  api = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl, logger: silentLogger });
  env = { api };
  vk.user(1, { screenName: 'durov', firstName: 'Pavel', lastName: 'Durov' });
  vk.user(7, { firstName: 'Anna', lastName: 'Ivanova' });
});

afterEach(async () => {
  await api.close();
  await vk.close();
});

async function failure(spec: ArgsSpec, text: string, with_: ArgsEnv = env): Promise<ArgumentError> {
  const error = await parseArgs(spec, text, with_).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ArgumentError)) throw new Error(`expected an ArgumentError, got ${String(error)}`);
  return error;
}

const DUROV = { type: 'user', id: 1, firstName: 'Pavel', lastName: 'Durov', screenName: 'durov' };

describe('users named in the text', () => {
  test('every way of naming a user resolves to the same user, with names from users.get', async () => {
    const spec = { who: arg.user().greedy() };
    const args = await parseArgs(
      spec,
      '[id1|Паша] @durov *durov vk.com/durov https://vk.com/id1 https://m.vk.com/durov?w=wall1_1 id1 1',
      env,
    );
    expect(args.who).toEqual(Array.from({ length: 8 }, () => DUROV));
  });

  test('a screen name goes through utils.resolveScreenName, and the user through users.get', async () => {
    await parseArgs({ who: arg.user() }, '@durov', env);
    expect(vk.calls().map((call) => call.method)).toEqual(
      expect.arrayContaining(['utils.resolveScreenName', 'users.get']),
    );
  });

  test('a screen name or an id nobody has is not_found', async () => {
    const byName = await failure({ who: arg.user() }, '@nobody_here');
    expect(byName).toMatchObject({ code: 'not_found', argument: 'who', value: '@nobody_here' });
    expect(byName.message).toBe('nobody on VK is called "@nobody_here" (argument <who>)');
    expect((await failure({ who: arg.user() }, '[id424242|Ghost]')).code).toBe('not_found');
  });

  test('a word that names nobody is left for the next argument; at the end it is an invalid user', async () => {
    const spec = { who: arg.user().optional(), reason: arg.text().optional() };
    expect(await parseArgs(spec, 'spamming links', env)).toEqual({
      who: undefined,
      reason: 'spamming links',
    });
    expect((await failure({ who: arg.user() }, 'bob')).message).toBe(
      '"bob" is not a user: a mention, @screen_name, a vk.com link or an id (argument <who>)',
    );
  });

  test('a community is not a user unless communities are offered; then its id is negative', async () => {
    const club = `[club${vk.group.id}|${vk.group.name}]`;
    const refused = await failure({ who: arg.user() }, club);
    expect(refused.code).toBe('invalid');
    expect(refused.message).toBe(`${JSON.stringify(club)} is a community, not a user (argument <who>)`);
    expect((await failure({ who: arg.user() }, `@${vk.group.screenName}`)).code).toBe('invalid');

    const spec = { who: arg.user({ communities: true }).greedy() };
    const community = {
      type: 'community',
      id: -vk.group.id,
      groupId: vk.group.id,
      name: vk.group.name,
      screenName: vk.group.screenName,
    };
    const args = await parseArgs(spec, `${club} @${vk.group.screenName} -${vk.group.id} @durov`, env);
    expect(args.who).toEqual([community, community, community, DUROV]);
  });

  test('without an API, ids come back as they are and a screen name is a configuration error', async () => {
    expect(await parseArgs({ who: arg.user() }, '[id5|Someone]', {})).toEqual({
      who: { type: 'user', id: 5 },
    });
    await expect(parseArgs({ who: arg.user() }, '@durov', {})).rejects.toThrow(VkwireConfigError);
  });
});

describe('the author of the replied or forwarded message', () => {
  /** Sends from simulated users and returns the message the bot receives for the last send. */
  async function received(send: () => void, text: string): Promise<VkMessage> {
    const poll = new GroupLongPoll({ api, wait: 1, logger: silentLogger });
    const arrived = new Promise<VkMessage>((resolve) => {
      poll.on('message_new', ({ object }) => {
        if (object.message.text === text) resolve(object.message);
      });
    });
    await poll.start();
    try {
      send();
      return await arrived;
    } finally {
      await poll.stop();
    }
  }

  test('a reply stands for the user when the text names nobody', async () => {
    const chat = vk.createChat({ title: 'Moderators', members: [7, 1] });
    const message = await received(() => {
      const spam = vk.user(7).send('buy cheap followers', { peerId: chat.peerId });
      vk.user(1).send('/ban spamming', { peerId: chat.peerId, replyTo: spam.cmid });
    }, '/ban spamming');
    expect(message.reply_message?.from_id).toBe(7);

    const spec = { target: arg.user(), reason: arg.text().optional() };
    const args = await parseArgs(spec, 'spamming', { api, message });
    expect(args).toEqual({
      target: { type: 'user', id: 7, firstName: 'Anna', lastName: 'Ivanova', screenName: 'id7' },
      reason: 'spamming',
    });
    // A user named in the text wins over the reply.
    expect((await parseArgs(spec, '@durov spamming', { api, message })).target.id).toBe(1);
    // With nothing after the user, a word that names nobody is left over and the reply still counts.
    expect((await parseArgs({ target: arg.user() }, 'now', { api, message })).target.id).toBe(7);
    await expect(
      parseArgs({ target: arg.user() }, 'now', { api, message }, { strict: true }),
    ).rejects.toThrow('unexpected text "now" after the arguments');
  });

  test('forwarded messages stand for a greedy user argument, each author once', async () => {
    const chat = vk.createChat({ title: 'Team', members: [1, 7] });
    const message = await received(() => {
      const a = vk.user(7).send('one', { peerId: chat.peerId });
      const b = vk.user(1).send('two', { peerId: chat.peerId });
      const c = vk.user(7).send('three', { peerId: chat.peerId });
      vk.user(1).send('/mute', { peerId: chat.peerId, forward: [a.cmid, b.cmid, c.cmid] });
    }, '/mute');
    const args = await parseArgs({ targets: arg.user().greedy() }, '', { api, message });
    expect(args.targets.map((target) => target.id)).toEqual([7, 1]);
  });

  test('with no reply and no user in the text, a required user is missing', async () => {
    const error = await failure({ target: arg.user() }, '');
    expect(error.code).toBe('missing');
    expect(error.message).toBe(
      'missing <target>: expected a user: a mention, @screen_name, a vk.com link or an id',
    );
  });
});
