import { readFileSync } from 'node:fs';
import { VK_API_VERSION } from '@vkwire/events-schema';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';
import { call, ok } from './helpers.js';
import { shapeDiff } from './shape.js';

let vk: Sandbox;
beforeEach(async () => {
  vk = await createSandbox();
});
afterEach(() => vk.close());

const apiFixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/api/${name}`, import.meta.url), 'utf8'));

/** An error envelope with only its first request param: how many params there are depends on the call. */
function envelopeShape(value: unknown): unknown {
  const answer = value as { error: { request_params: unknown[] } };
  return { ...answer, error: { ...answer.error, request_params: answer.error.request_params.slice(0, 1) } };
}

describe('request forms', () => {
  test('answers GET with query parameters and POST with a form body alike', async () => {
    const get = await fetch(`${vk.apiUrl}/groups.getById?v=${VK_API_VERSION}&access_token=${vk.group.token}`);
    const post = await call(vk, 'groups.getById');
    expect(get.headers.get('content-type')).toContain('application/json');
    expect(await get.json()).toEqual(post);
    expect(post.response).toMatchObject({
      groups: [{ id: vk.group.id, name: vk.group.name, screen_name: vk.group.screenName }],
      profiles: [],
    });
  });

  test('accepts the token as a Bearer header', async () => {
    const response = await fetch(`${vk.apiUrl}/groups.getById`, {
      method: 'POST',
      headers: { authorization: `Bearer ${vk.group.token}` },
      body: new URLSearchParams({ v: VK_API_VERSION }),
    });
    expect(await response.json()).toMatchObject({ response: { groups: [{ id: vk.group.id }] } });
  });

  test('accepts multipart form bodies', async () => {
    const form = new FormData();
    form.set('v', VK_API_VERSION);
    form.set('access_token', vk.group.token);
    form.set('user_ids', '1');
    vk.user(1, { firstName: 'Анна' });
    const response = await fetch(`${vk.apiUrl}/users.get`, { method: 'POST', body: form });
    expect(await response.json()).toMatchObject({ response: [{ id: 1, first_name: 'Анна' }] });
  });
});

describe('error envelopes', () => {
  test('an unknown method is error 3', async () => {
    expect((await call(vk, 'messages.sendEverything')).error?.error_code).toBe(3);
  });

  test('a bad or missing token is error 5 and request_params never contain the token', async () => {
    const bad = await call(vk, 'groups.getById', { group_id: 1 }, 'vk1.a.not-a-token');
    expect(bad.error?.error_code).toBe(5);
    expect(bad.error?.error_msg).toBe('User authorization failed: invalid access_token (4).');
    expect(JSON.stringify(bad)).not.toContain('not-a-token');
    const missing = await call(vk, 'groups.getById', {}, null);
    expect(missing.error?.error_code).toBe(5);
  });

  test('a missing required parameter is error 100 naming it, shaped like VK', async () => {
    vk.user(193847562).send('hi');
    const answer = await call(vk, 'messages.send', { peer_id: 193847562, message: 'x' });
    expect(answer.error?.error_msg).toBe(
      'One of the parameters specified was missing or invalid: random_id is a required parameter',
    );
    expect(shapeDiff(envelopeShape(apiFixture('error_100.json')), envelopeShape(answer))).toEqual([]);
    expect(answer.error?.request_params).toEqual([
      { key: 'method', value: 'messages.send' },
      { key: 'oauth', value: '1' },
      { key: 'v', value: VK_API_VERSION },
      { key: 'peer_id', value: '193847562' },
      { key: 'message', value: 'x' },
    ]);
    expect(JSON.stringify(answer)).not.toContain(vk.group.token);
  });

  test('a call without v is error 8', async () => {
    const response = await fetch(`${vk.apiUrl}/groups.getById`, {
      method: 'POST',
      body: new URLSearchParams({ access_token: vk.group.token }),
    });
    expect(((await response.json()) as { error: { error_code: number } }).error.error_code).toBe(8);
  });

  test('a user token cannot call community-only methods (error 27)', async () => {
    const user = vk.user(5);
    expect(
      (await call(vk, 'messages.edit', { peer_id: 1, message_id: 1, message: 'x' }, user.token)).error
        ?.error_code,
    ).toBe(27);
  });

  test('users.get returns the requested fields and skips unknown ids', async () => {
    vk.user(7, { firstName: 'Ivan', lastName: 'Petrov', screenName: 'ivan', sex: 2 });
    const users = await ok(vk, 'users.get', { user_ids: '7,999999', fields: 'sex,screen_name' });
    expect(users).toEqual([
      {
        id: 7,
        first_name: 'Ivan',
        last_name: 'Petrov',
        can_access_closed: true,
        is_closed: false,
        sex: 2,
        screen_name: 'ivan',
      },
    ]);
    expect((await call(vk, 'users.get', { user_ids: 'nobody_here' })).error?.error_code).toBe(113);
  });

  test('the call log records calls without tokens', async () => {
    await call(vk, 'groups.getById');
    await call(vk, 'users.get', { user_ids: '1' });
    expect(vk.calls().map((entry) => entry.method)).toEqual(['groups.getById', 'users.get']);
    expect(JSON.stringify(vk.calls())).not.toContain(vk.group.token);
  });
});

describe('rate limits', () => {
  test('a community token gets error 6 past 20 requests in a second, and the sandbox counts them', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => call(vk, 'groups.getById')));
    const limited = answers.filter((answer) => answer.error?.error_code === 6);
    expect(answers.length - limited.length).toBe(20);
    expect(limited).toHaveLength(10);
    expect(vk.rateLimited(vk.group.token)).toBe(10);
    expect(vk.rateLimitStats(vk.group.token)).toEqual({ accepted: 20, rejected: 10 });
    expect(shapeDiff(envelopeShape(apiFixture('error_6.json')), envelopeShape(limited[0]))).toEqual([]);
  });

  test('a user token gets 3 requests a second', async () => {
    const user = vk.user(11);
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(vk, 'users.get', {}, user.token)));
    expect(answers.filter((answer) => answer.error?.error_code === 6)).toHaveLength(2);
  });

  test('each token of a community has its own limit', async () => {
    const second = vk.addGroupToken(vk.group.id);
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, () => call(vk, 'groups.getById')),
      ...Array.from({ length: 20 }, () => call(vk, 'groups.getById', {}, second)),
    ]);
    expect(answers.every((answer) => answer.error === undefined)).toBe(true);
  });

  test('the window slides: after a second the token may call again', async () => {
    await Promise.all(Array.from({ length: 20 }, () => call(vk, 'groups.getById')));
    expect((await call(vk, 'groups.getById')).error?.error_code).toBe(6);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect((await call(vk, 'groups.getById')).error).toBeUndefined();
  });

  test('limits are configurable and can be switched off', async () => {
    const free = await createSandbox({ rateLimit: false });
    try {
      const answers = await Promise.all(Array.from({ length: 60 }, () => call(free, 'groups.getById')));
      expect(answers.every((answer) => answer.error === undefined)).toBe(true);
    } finally {
      await free.close();
    }
  });
});

describe('API faults', () => {
  test('an error storm answers the given code for the given number of calls, then recovers', async () => {
    vk.faults.apiError(10, { times: 2 });
    expect((await call(vk, 'groups.getById')).error?.error_code).toBe(10);
    expect((await call(vk, 'groups.getById')).error?.error_code).toBe(10);
    expect((await call(vk, 'groups.getById')).response).toBeDefined();
  });

  test('an error-6 storm can target one method', async () => {
    vk.faults.apiError(6, { times: 5, method: 'users.get' });
    expect((await call(vk, 'groups.getById')).error).toBeUndefined();
    expect((await call(vk, 'users.get')).error?.error_code).toBe(6);
  });

  test('a captcha fault carries captcha_sid and captcha_img', async () => {
    vk.faults.apiError(14);
    const answer = await call(vk, 'groups.getById');
    expect(answer.error).toMatchObject({ error_code: 14, error_msg: 'Captcha needed' });
    expect(answer.error?.captcha_sid).toEqual(expect.any(String));
    expect(String(answer.error?.captcha_img)).toContain(String(answer.error?.captcha_sid));
  });

  test('a 5xx fault answers an HTML page with that status', async () => {
    vk.faults.apiStatus(502);
    const response = await fetch(`${vk.apiUrl}/groups.getById`, {
      method: 'POST',
      body: new URLSearchParams({ v: VK_API_VERSION, access_token: vk.group.token }),
    });
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toContain('text/html');
    await response.text();
  });

  test('a timeout fault holds the call until the client gives up', async () => {
    vk.faults.apiTimeout();
    const started = performance.now();
    const attempt = fetch(`${vk.apiUrl}/groups.getById`, {
      method: 'POST',
      body: new URLSearchParams({ v: VK_API_VERSION }),
      signal: AbortSignal.timeout(300),
    });
    await expect(attempt).rejects.toThrow();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect((await call(vk, 'groups.getById')).response).toBeDefined();
  });

  test('a probabilistic storm hits only part of the calls and ends after its duration', async () => {
    vk.faults.apiError(6, { probability: 0.5, durationMs: 200 });
    const first = await Promise.all(Array.from({ length: 16 }, () => call(vk, 'users.get')));
    const hits = first.filter((answer) => answer.error?.error_code === 6).length;
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(16);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call(vk, 'users.get')).error).toBeUndefined();
  });
});
