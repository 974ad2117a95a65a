import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call } from './helpers.js';
import { shapeDiff } from './shape.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

/** The execute code SDKs generate for a batch: string literal arguments with escapes. */
function batch(calls: Array<[string, Record<string, string>]>): string {
  const encoded = calls.map(([method, params]) => `API.${method}(${JSON.stringify(params)})`);
  return `return [${encoded.join(',')}];`;
}

describe('execute over HTTP', () => {
  test('a batch answers each call in order; failures are false with execute_errors in the same order', async () => {
    vk.user(193847562, { firstName: 'Анна' }).send('hi');
    vk.user(352918476);
    const answer = await call(vk, 'execute', {
      code: batch([
        ['users.get', { user_ids: '193847562' }],
        ['messages.send', { peer_id: '193847562', message: 'quote " and\nnewline', random_id: '1' }],
        ['messages.send', { peer_id: '352918476', message: 'denied', random_id: '2' }],
        ['groups.getById', {}],
        ['messages.sendEverything', {}],
      ]),
    });
    const fixture = JSON.parse(
      readFileSync(new URL('./fixtures/api/execute.with_errors.json', import.meta.url), 'utf8'),
    ) as { response: unknown[] };
    expect(shapeDiff(fixture.response[0], (answer.response as unknown[])[0])).toEqual([]);
    const [users, sentId, denied, groups, unknown] = answer.response as unknown[];
    expect(users).toMatchObject([{ id: 193847562, first_name: 'Анна' }]);
    expect(sentId).toEqual(expect.any(Number));
    expect([denied, unknown]).toEqual([false, false]);
    expect(groups).toMatchObject({ groups: [{ id: vk.group.id }] });
    expect(answer.execute_errors).toEqual([
      {
        method: 'messages.send',
        error_code: 901,
        error_msg: "Can't send messages for users without permission",
      },
      { method: 'messages.sendEverything', error_code: 3, error_msg: 'Unknown method passed' },
    ]);
    expect(vk.sent({ peer: 193847562 })[0]?.text).toBe('quote " and\nnewline');
  });

  test('a fault with inExecute hits an inner call as VK reports it (false, execute_errors), not the request', async () => {
    vk.user(1).send('hi');
    vk.faults.apiError(14, { method: 'messages.send', inExecute: true });
    const code = batch([
      ['messages.send', { peer_id: '1', message: 'a', random_id: '1' }],
      ['messages.send', { peer_id: '1', message: 'b', random_id: '2' }],
    ]);
    const answer = await call(vk, 'execute', { code });
    expect(answer.response).toEqual([false, expect.any(Number)]);
    expect(answer.execute_errors).toEqual([
      { method: 'messages.send', error_code: 14, error_msg: 'Captcha needed' },
    ]);
    expect(vk.sent({ peer: 1 }).map((message) => message.text)).toEqual(['b']);
    // A request of that method is not hit by it, and an inner call not by a plain fault.
    vk.faults.apiError(14, { method: 'messages.send', inExecute: true });
    expect(
      (await call(vk, 'messages.send', { peer_id: '1', message: 'c', random_id: '3' })).response,
    ).toEqual(expect.any(Number));
    vk.faults.clear();
    vk.faults.apiError(10, { method: 'messages.send' });
    const plain = await call(vk, 'execute', {
      code: batch([['messages.send', { peer_id: '1', message: 'd', random_id: '4' }]]),
    });
    expect(plain.response).toEqual([expect.any(Number)]);
  });

  test('an execute counts as one request for the rate limit', async () => {
    vk.user(1).send('hi');
    const code = batch(
      Array.from({ length: 25 }, (_, index) => [
        'messages.send',
        { peer_id: '1', message: `m${index}`, random_id: String(index + 1) },
      ]),
    );
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(vk, 'execute', { code })));
    expect(answers.every((answer) => answer.error === undefined)).toBe(true);
    expect(vk.rateLimited()).toBe(0);
  });

  test('more than 25 API calls is error 13; a syntax error is error 12', async () => {
    const code = batch(Array.from({ length: 26 }, () => ['groups.getById', {}]));
    expect((await call(vk, 'execute', { code })).error?.error_code).toBe(13);
    expect((await call(vk, 'execute', { code: 'return [API.users.get({)];' })).error?.error_code).toBe(12);
  });

  test('scripts see request parameters as Args and can compute with results', async () => {
    vk.user(5, { firstName: 'Ivan' });
    const answer = await call(vk, 'execute', {
      code: 'var users = API.users.get({"user_ids": Args.ids}); return {"name": users[0].first_name, "count": users.length};',
      ids: '5',
    });
    expect(answer.response).toEqual({ name: 'Ivan', count: 1 });
  });

  test('execute cannot call execute', async () => {
    const answer = await call(vk, 'execute', { code: 'return API.execute({"code": "return 1;"});' });
    expect(answer.response).toBe(false);
    expect(answer.execute_errors?.[0]?.error_code).toBe(13);
  });
});
