import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, test } from 'vitest';
import {
  MemoryRateLimiter,
  VkApi,
  VkCaptchaError,
  VkEndpointError,
  VkFloodError,
  VkNetworkError,
  VkResponseError,
} from '../src/index.js';
import { type Rig, rig } from './setup.js';

let current: Rig | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('rate limit', () => {
  test('a 10 s burst of 2000 calls never trips the sandbox’s 20 requests/s', async () => {
    current = await rig();
    const { vk, api } = current;
    vk.user(1).send('hi');
    const waves = Array.from({ length: 10 }, async (_, wave) => {
      await new Promise((resolve) => setTimeout(resolve, wave * 1000));
      return Promise.all(Array.from({ length: 200 }, () => api.users.get({ user_ids: [1] })));
    });
    const results = (await Promise.all(waves)).flat();
    expect(results).toHaveLength(2000);
    expect(vk.rateLimited()).toBe(0);
  }, 30_000);

  test('a community token is paced at 20/s even on groups.getById, the method that detects it', async () => {
    current = await rig({ batching: false });
    const { vk, api } = current;
    const started = performance.now();
    await Promise.all(Array.from({ length: 45 }, () => api.call('groups.getById')));
    const elapsed = performance.now() - started;
    // 46 requests (the detection first) 50 ms apart: about 2.3 s; at the user rate it would be 15 s.
    expect(elapsed).toBeGreaterThan(2000);
    expect(elapsed).toBeLessThan(4500);
    expect(vk.rateLimited()).toBe(0);
  });

  test('a user token is paced at 3/s', async () => {
    current = await rig();
    const { vk } = current;
    const user = vk.user(42);
    const userApi = new VkApi({
      token: user.token,
      baseUrl: vk.apiUrl,
      rateLimiter: new MemoryRateLimiter(),
    });
    try {
      const started = performance.now();
      await Promise.all(Array.from({ length: 9 }, () => userApi.users.get()));
      const elapsed = performance.now() - started;
      // 10 requests (the detection first) a third of a second apart: about 3 s; at 20/s it would be 0.5 s.
      expect(elapsed).toBeGreaterThan(2700);
      expect(elapsed).toBeLessThan(4500);
      expect(vk.rateLimited(user.token)).toBe(0);
    } finally {
      await userApi.close();
    }
  });
});

describe('retries', () => {
  test('error 6, error 10 and 5xx storms: every call completes exactly once, and no send is doubled', async () => {
    current = await rig({ retry: { rateLimitDelayMs: 200, baseDelayMs: 20 } });
    const { vk, api } = current;
    for (let id = 1; id <= 30; id += 1) vk.user(id).send('hi');
    vk.faults.apiError(6, { times: 3 });
    vk.faults.apiError(10, { times: 2 });
    vk.faults.apiStatus(502, { times: 2 });
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, index) => api.messages.send({ peer_id: index + 1, message: 'once' })),
    );
    expect(new Set(ids).size).toBe(30);
    expect(vk.sent()).toHaveLength(30);
  });

  test('a send whose answer was lost is retried with the same random_id and lands once', async () => {
    current = await rig({ batching: false, retry: { baseDelayMs: 10 } });
    const { vk, api } = current;
    vk.user(1).send('hi');
    vk.faults.apiLoseAnswer({ method: 'messages.send' });
    const id = await api.messages.send({ peer_id: 1, message: 'x' });
    const sends = vk.calls({ method: 'messages.send' });
    expect(sends).toHaveLength(2);
    expect(sends[0]?.params.random_id).toBe(sends[1]?.params.random_id);
    expect(vk.sent({ peer: 1 })).toHaveLength(1);
    expect(vk.sent({ peer: 1 })[0]?.id).toBe(id);
  });

  test('flood control (9) and client errors are not retried', async () => {
    current = await rig({ batching: false, tokenType: 'group' });
    const { vk, api } = current;
    vk.faults.apiError(9);
    await expect(api.call('groups.getById')).rejects.toBeInstanceOf(VkFloodError);
    expect(vk.calls({ method: 'groups.getById' }).length).toBe(1);
  });

  test('when retries run out the last error surfaces: a 5xx page shows its status and an excerpt', async () => {
    current = await rig({ batching: false, retry: { attempts: 2, baseDelayMs: 5 } });
    await current.api.tokenInfo();
    current.vk.faults.apiStatus(503, { times: 2 });
    const error = await current.api.call('users.get').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkResponseError);
    expect(error).toMatchObject({ status: 503, code: 'bad_response' });
    expect((error as VkResponseError).excerpt).toContain('<html>');
  });
});

describe('captcha', () => {
  test('without a handler the call fails with the captcha details', async () => {
    current = await rig({ batching: false });
    await current.api.tokenInfo();
    current.vk.faults.apiError(14);
    const error = await current.api.call('users.get').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkCaptchaError);
    expect((error as VkCaptchaError).sid).toEqual(expect.any(String));
    expect((error as VkCaptchaError).img).toContain('captcha.php');
  });

  test('the current captcha form: onCaptcha gets redirect_uri and the call is repeated with success_token', async () => {
    const seen: Array<string | undefined> = [];
    current = await rig({
      batching: false,
      onCaptcha: async (challenge) => {
        seen.push(challenge.redirectUri);
        return { successToken: 'token-from-vk-id' };
      },
    });
    await current.api.tokenInfo();
    current.vk.faults.apiError(14, {
      details: {
        redirect_uri: 'https://id.vk.com/not_robot_captcha?session=1',
        remixstlid: 9069780796616521905n.toString(),
      },
    });
    expect(await current.api.call('users.get')).toEqual([]);
    expect(seen).toEqual(['https://id.vk.com/not_robot_captcha?session=1']);
    const repeated = current.vk.calls({ method: 'users.get' }).at(-1);
    expect(repeated?.params).toMatchObject({
      success_token: 'token-from-vk-id',
      remixstlid: '9069780796616521905',
    });
  });

  test('onCaptcha answers and the call is repeated with captcha_sid and captcha_key', async () => {
    const seen: string[] = [];
    current = await rig({
      batching: false,
      onCaptcha: async (challenge) => {
        seen.push(challenge.sid ?? '');
        return { key: 'abc123' };
      },
    });
    await current.api.tokenInfo();
    current.vk.faults.apiError(14);
    expect(await current.api.call('users.get')).toEqual([]);
    const repeated = current.vk.calls({ method: 'users.get' }).at(-1);
    expect(repeated?.params).toMatchObject({ captcha_sid: seen[0], captcha_key: 'abc123' });
  });
});

describe('timeouts, abort and close', () => {
  test('a call that gets no answer times out with VkNetworkError after its retries', async () => {
    current = await rig({ batching: false, timeoutMs: 150, retry: { attempts: 2, baseDelayMs: 5 } });
    await current.api.tokenInfo();
    current.vk.faults.apiTimeout({ times: 2 });
    const error = await current.api.call('users.get').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VkNetworkError);
    expect((error as VkNetworkError).code).toBe('timeout');
  });

  test('an aborted call rejects with the signal’s reason', async () => {
    current = await rig({ batching: false });
    await current.api.tokenInfo();
    current.vk.faults.apiTimeout();
    const controller = new AbortController();
    const pending = current.api.call('users.get', {}, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await expect(pending).rejects.toThrow('user gave up');
  });

  test('close() waits for queued calls, then refuses new ones', async () => {
    current = await rig({ batching: false });
    const { api, vk } = current;
    const pending = Array.from({ length: 25 }, () => api.call('groups.getById'));
    await api.close();
    expect((await Promise.allSettled(pending)).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    await expect(api.call('groups.getById')).rejects.toMatchObject({ name: 'VkClosedError', code: 'closed' });
    expect(vk.rateLimited()).toBe(0);
  });

  test('calls on one signal leave no abort listener behind', async () => {
    current = await rig({ tokenType: 'group' });
    const { api, vk } = current;
    vk.user(1).send('hi');
    const controller = new AbortController();
    const { signal } = controller;
    for (let round = 0; round < 5; round += 1)
      await Promise.all(Array.from({ length: 40 }, () => api.users.get({ user_ids: [1] }, { signal })));
    for (let index = 0; index < 20; index += 1) await api.users.get({ user_ids: [1] }, { signal });
    await api.call('messages.doesNotExist', {}, { signal }).catch(() => undefined);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('a wrong baseUrl', () => {
  test('an address without /method fails at once with a hint instead of being retried', async () => {
    current = await rig({ tokenType: 'group' });
    const api = new VkApi({
      token: current.vk.group.token,
      baseUrl: current.vk.url,
      tokenType: 'group',
      rateLimiter: new MemoryRateLimiter(),
    });
    try {
      const started = performance.now();
      const error = await api.call('users.get').catch((caught: unknown) => caught);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(VkEndpointError);
      expect(error).toBeInstanceOf(VkResponseError);
      expect(error).toMatchObject({ code: 'bad_endpoint', status: 404, url: `${current.vk.url}/users.get` });
      expect((error as Error).message).toContain('must be the API base ending with /method');
      expect((error as Error).message).not.toContain(current.vk.group.token);
    } finally {
      await api.close();
    }
  });
});
