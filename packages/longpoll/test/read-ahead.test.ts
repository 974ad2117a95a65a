import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { VkApi } from '@vkwire/api-client';
import { silentLogger } from '@vkwire/core';
import { afterEach, describe, expect, test } from 'vitest';
import { GroupLongPoll } from '../src/index.js';
import { leadingTs } from '../src/json-body.js';
import { until } from './setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('leadingTs: the ts of an answer with updates, read from its first bytes', () => {
  test.each([
    ['{"ts":"1193","updates":[{"type":"message_new"}]}', '1193'],
    ['{"ts":1862934517,"updates":[[4,1,2]]}', '1862934517'],
    [' { "ts" : "7" , "updates" : [ {', '7'],
  ])('%s → %s', (body, ts) => {
    expect(leadingTs(bytes(body))).toBe(ts);
  });

  test.each([
    ['no updates', '{"ts":"1193","updates":[]}'],
    ['no updates, with spaces', '{"ts":"1193","updates":[ ]}'],
    ['a failed answer', '{"failed":1,"ts":1200}'],
    ['another member first', '{"updates":[{}],"ts":"5"}'],
    ['pts between', '{"ts":5,"pts":7,"updates":[[4]]}'],
    ['quotes that do not close', '{"ts":"12,"updates":[{}]}'],
    ['a ts that is not digits', '{"ts":"1a","updates":[{}]}'],
    ['a byte order mark first', '\uFEFF{"ts":"5","updates":[{}]}'],
    ['not JSON', '<html>'],
  ])('%s: none', (_, body) => {
    expect(leadingTs(bytes(body))).toBeUndefined();
  });
});

/** A message_new update (valid for the schema) with `text`. */
function message(text: string, id: number): Record<string, unknown> {
  return {
    type: 'message_new',
    group_id: 1,
    event_id: `e${id}`,
    v: '5.199',
    object: {
      message: {
        id,
        date: 1_700_000_000,
        peer_id: 5,
        from_id: 5,
        text,
        conversation_message_id: id,
        out: 0,
        version: 1,
        attachments: [],
        fwd_messages: [],
        important: false,
        is_hidden: false,
      },
      client_info: {
        button_actions: ['text'],
        keyboard: true,
        inline_keyboard: true,
        carousel: true,
        lang_id: 0,
      },
    },
  };
}

// A VK stand-in in a process of its own (in this one it could not read a request while the client
// parses): groups.getById, getLongPollSettings and getLongPollServer, a_check answers given as raw text by ts (an unknown ts is held
// 200 ms, then empty), and GET /asked: the ts of every a_check it read.
const STAND_IN = `
const { createServer } = require('node:http');
// FILLER: a million zeros (2 MB), so that the client's parse takes a while.
const answers = JSON.parse(process.env.ANSWERS.replace('FILLER', '0,'.repeat(1e6) + '0'));
const asked = [];
const json = (response, value) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(typeof value === 'string' ? value : JSON.stringify(value));
};
const server = createServer((request, response) => {
  const url = new URL(request.url, 'http://' + request.headers.host);
  request.resume();
  request.on('end', () => {
    if (url.pathname === '/asked') return json(response, asked);
    if (url.pathname === '/method/groups.getLongPollServer')
      return json(response, { response: { key: 'k', server: 'http://' + url.host + '/lp', ts: '1' } });
    if (url.pathname === '/method/groups.getById')
      return json(response, { response: { groups: [{ id: 1, name: 'Stand-in', screen_name: 'club1' }] } });
    if (url.pathname === '/method/groups.getLongPollSettings')
      return json(response, { response: { is_enabled: true, api_version: '5.199', events: { message_new: 1 } } });
    if (url.pathname !== '/lp') return json(response, { error: { error_code: 1, error_msg: 'not here' } });
    const ts = url.searchParams.get('ts');
    asked.push(ts);
    const body = answers[ts];
    if (body !== undefined) return json(response, body);
    setTimeout(() => response.destroyed || json(response, '{"ts":"' + ts + '","updates":[]}'), 200);
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function standIn(
  answers: Record<string, string>,
): Promise<{ url: string; asked(): Promise<string[]> }> {
  const child = spawn(process.execPath, ['-e', STAND_IN], {
    env: { ANSWERS: JSON.stringify(answers) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(async () => {
    child.kill();
    await once(child, 'exit');
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const url = `http://127.0.0.1:${String(chunk).trim()}`;
  return { url, asked: async () => (await (await fetch(`${url}/asked`)).json()) as string[] };
}

describe('reading ahead', () => {
  test('the next request goes out on the ts of the answer’s first bytes; one the parsed answer contradicts is dropped unread', async () => {
    const update = (text: string, id: number) => JSON.stringify(message(text, id));
    const vk = await standIn({
      // A first answer: both of the pool's connections are open once the next one is asked for.
      '1': `{"ts":"2","updates":[${update('zero', 1)}]}`,
      // Begins with ts 3, but a later ts member wins when parsed: the answer's ts is 4. The filler
      // keeps the parse long enough for the guess to reach the stand-in first.
      '2': `{"ts":"3","updates":[${update('first', 2)}],"filler":[FILLER],"ts":"4"}`,
      // What the request sent on the wrong guess gets: never to be handled.
      '3': `{"ts":"9","updates":[${update('wrong guess', 3)}]}`,
      '4': `{"ts":"5","updates":[${update('second', 4)}]}`,
    });
    const api = new VkApi({ token: 'group-token', baseUrl: `${vk.url}/method` });
    cleanups.push(() => api.close());
    const texts: string[] = [];
    const poll = new GroupLongPoll({ api, groupId: 1, wait: 1, logger: silentLogger }).on(
      'message_new',
      ({ object }) => {
        texts.push(object.message.text);
      },
    );
    await poll.start();
    cleanups.push(async () => {
      await poll.stop();
    });
    await until(() => texts.length === 3, 20_000).catch(async () => {
      throw new Error(
        `handled ${JSON.stringify(texts)}; the stand-in was asked ${JSON.stringify(await vk.asked())}`,
      );
    });
    await poll.stop();
    // Once stop() resolved, no request of the poll goes out any more, ahead or not.
    const askedAtStop = (await vk.asked()).length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await vk.asked()).length).toBe(askedAtStop);
    expect(texts).toEqual(['zero', 'first', 'second']);
    // The guess went out while the answer was parsed, then the parsed ts; nothing past the guess.
    const asked = await vk.asked();
    expect(asked.slice(0, 4)).toEqual(['1', '2', '3', '4']);
    expect(asked).not.toContain('9');
  });
});
