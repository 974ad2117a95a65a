import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { type CallbackHandlerOptions, callbackRoute, createCallbackHandler } from '../src/hono.js';
import { CallbackGroups, type DedupeClaim, type DedupeStore, secretMatches } from '../src/index.js';
import { createNodeCallbackHandler } from '../src/node.js';
import { fixture, gate } from './setup.js';

const GROUP = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CODE = '5f3e9a1c';
const retried = fixture<{ headers: Record<string, string>; body: Record<string, unknown> }>(
  'callback/message_new.retry.http.json',
);
const event = (overrides: Record<string, unknown> = {}) => ({
  ...structuredClone(retried.body),
  ...overrides,
});

function app(options: Partial<CallbackHandlerOptions> = {}) {
  const seen: VkParsedUpdate[] = [];
  const handler = createCallbackHandler({
    groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
    onUpdate: (update) => void seen.push(update),
    ...options,
  });
  return { handler, seen };
}

function post(
  target: { fetch: (request: Request) => Response | Promise<Response> },
  body: unknown,
  init: { path?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return Promise.resolve(
    target.fetch(
      new Request(`http://bot.local${init.path ?? '/callback'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    ),
  );
}

async function answer(response: Response | Promise<Response>): Promise<[number, string]> {
  const resolved = await response;
  return [resolved.status, await resolved.text()];
}

describe('through app.fetch (edge style)', () => {
  test('confirmation is answered with the code as text/plain', async () => {
    const { handler, seen } = app();
    const response = await post(handler, fixture('callback/confirmation.request.json'));
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(CODE);
    expect(seen).toEqual([]);
  });

  test('an update is dispatched and answered "ok"; the query string VK may add is fine', async () => {
    const { handler, seen } = app();
    expect(await answer(post(handler, event(), { path: '/callback?a=1&b=2' }))).toEqual([200, 'ok']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toHaveProperty('secret');
  });

  test('wrong secret, missing secret, unknown group: no dispatch, 403', async () => {
    const { handler, seen } = app();
    const wrong = fixture('callback/wrong_secret.request.json');
    expect(await answer(post(handler, wrong))).toEqual([403, 'bad secret']);
    expect(await answer(post(handler, event({ secret: undefined })))).toEqual([403, 'bad secret']);
    expect(await answer(post(handler, event({ secret: `${SECRET}x` })))).toEqual([403, 'bad secret']);
    expect(await answer(post(handler, event({ group_id: 1 })))).toEqual([403, 'unknown group']);
    expect(await answer(post(handler, { type: 'confirmation', group_id: 1 }))).toEqual([
      403,
      'unknown group',
    ]);
    expect(seen).toEqual([]);
  });

  test('refusals are logged without the secret', async () => {
    const lines: string[] = [];
    const log = (object: Record<string, unknown>, message?: string) =>
      void lines.push(JSON.stringify(object) + (message ?? ''));
    const { handler } = app({ logger: { debug: log, info: log, warn: log, error: log } });
    await post(handler, event({ secret: 'attacker-guess-123' }));
    await post(handler, event({ secret: `${SECRET}!` }));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('attacker-guess-123');
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  test('bad input gets a 4xx with a short reason at once', async () => {
    const { handler, seen } = app({ bodyLimit: 1000 });
    const cases: Array<[string | Record<string, unknown>, Record<string, string>, number]> = [
      ['{"type":', {}, 400],
      ['', {}, 400],
      ['[]', {}, 400],
      ['"ok"', {}, 400],
      [{ group_id: GROUP }, {}, 400],
      [{ type: 'message_new', group_id: String(GROUP) }, {}, 400],
      [event({ event_id: 42 }), {}, 400],
      [event({ object: { message: 'not an object' } }), {}, 400],
      [event(), { 'content-type': 'text/html' }, 415],
      [event(), { 'content-type': 'application/x-www-form-urlencoded' }, 415],
      [JSON.stringify({ ...event(), pad: 'x'.repeat(2000) }), {}, 413],
    ];
    for (const [body, headers, status] of cases) {
      const [got, text] = await answer(post(handler, body, { headers }));
      expect(got, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(text.length).toBeLessThan(60);
    }
    expect(await answer(handler.fetch(new Request('http://bot.local/callback')))).toEqual([405, 'POST only']);
    expect(seen).toEqual([]);
  });

  test('a streamed body without Content-Length is cut off at the limit while being read', async () => {
    const { handler, seen } = app({ bodyLimit: 64 * 1024 });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      },
    });
    const request = new Request('http://bot.local/callback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: endless,
      duplex: 'half',
    } as RequestInit);
    expect((await handler.fetch(request)).status).toBe(413);
    expect(pulled).toBeLessThan(10);
    expect(seen).toEqual([]);
  });

  test('validation can be turned off (drift is then the handler’s problem)', async () => {
    const { handler, seen } = app({ validate: false });
    const odd = event({ object: { message: { text: 42 }, client_info: {} } });
    expect(await answer(post(handler, odd))).toEqual([200, 'ok']);
    expect(seen).toHaveLength(1);
  });

  test('the deprecated-version warning is refused with its reason', async () => {
    const { handler, seen } = app();
    const warning = {
      ...fixture('callback/deprecated_version_warning.json'),
      secret: SECRET,
      group_id: GROUP,
    };
    expect(await answer(post(handler, warning))).toEqual([400, 'invalid update: deprecated_api_version']);
    expect(seen).toEqual([]);
  });

  test('a redelivery of a handled event_id is answered ok without a second dispatch', async () => {
    const { handler, seen } = app();
    expect(await answer(post(handler, event()))).toEqual([200, 'ok']);
    expect(await answer(post(handler, event(), { headers: { 'x-retry-counter': '2' } }))).toEqual([
      200,
      'ok',
    ]);
    expect(seen).toHaveLength(1);
  });

  test('concurrent duplicates: one dispatch; the duplicate gets the first one’s outcome', async () => {
    const release = gate();
    let calls = 0;
    const { handler } = app({
      onUpdate: async () => {
        calls += 1;
        await release.promise;
      },
    });
    const first = post(handler, event());
    const second = post(handler, event(), { headers: { 'x-retry-counter': '1' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release.open();
    expect(await Promise.all([answer(first), answer(second)])).toEqual([
      [200, 'ok'],
      [200, 'ok'],
    ]);
    expect(calls).toBe(1);
  });

  test('a failed handling is released: the retry is handled again; the counter is visible', async () => {
    const counters: number[] = [];
    const { handler } = app({
      errorRetryAfterSeconds: 3,
      onUpdate: (_update, { retryCounter }) => {
        counters.push(retryCounter);
        if (retryCounter === 0) throw new Error('boom');
      },
    });
    const failed = await post(handler, event());
    expect([failed.status, failed.headers.get('retry-after')]).toEqual([503, '3']);
    expect(await answer(post(handler, event(), { headers: { 'x-retry-counter': '1' } }))).toEqual([
      200,
      'ok',
    ]);
    expect(counters).toEqual([0, 1]);
  });

  test('a pluggable store: claimed by another process means "retry later", done means ok', async () => {
    const claims: Array<[string, number]> = [];
    const store: DedupeStore = {
      claim: async (key, leaseMs): Promise<DedupeClaim> => {
        claims.push([key, leaseMs]);
        return key.endsWith('busy')
          ? { state: 'in_progress' }
          : key.endsWith('seen')
            ? { state: 'done' }
            : { state: 'claimed', owner: 'me' };
      },
      complete: async () => true,
      release: async () => true,
    };
    const { handler, seen } = app({ dedupe: store });
    const busy = await post(handler, event({ event_id: 'busy' }));
    expect([busy.status, busy.headers.get('retry-after')]).toEqual([503, '10']);
    expect(await answer(post(handler, event({ event_id: 'seen' })))).toEqual([200, 'ok']);
    expect(seen).toEqual([]);
    expect(claims[0]).toEqual([`${GROUP}:busy`, 60_000]);
  });

  test('constant-time secret comparison gives the right answers', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    for (const other of ['abd', 'ab', 'abcd', '', 'ABC', undefined, 123, null])
      expect(secretMatches('abc', other)).toBe(false);
  });

  test('mounted under a route of an existing hono app, or on any route with callbackRoute', async () => {
    const parent = new Hono();
    parent.get('/health', (c) => c.text('up'));
    parent.route('/vk', app().handler);
    const seen: string[] = [];
    parent.post(
      '/hooks/:bot',
      callbackRoute({
        groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
        onUpdate: (update) => void seen.push(update.type),
      }),
    );
    expect(await answer(post(parent, event(), { path: '/vk/callback?x=1' }))).toEqual([200, 'ok']);
    expect(await answer(post(parent, event(), { path: '/hooks/main' }))).toEqual([200, 'ok']);
    expect(seen).toEqual(['message_new']);
    expect(await answer(parent.fetch(new Request('http://bot.local/health')))).toEqual([200, 'up']);
  });

  test('the groups registry can change while serving', async () => {
    const groups = new CallbackGroups();
    const { handler } = app({ groups });
    expect((await post(handler, event())).status).toBe(403);
    groups.set({ groupId: GROUP, secret: SECRET, confirmation: CODE });
    expect(await answer(post(handler, event()))).toEqual([200, 'ok']);
    expect(() => groups.set({ groupId: -1, confirmation: 'x' })).toThrow(
      /`groupId` must be a positive integer/,
    );
  });
});

describe('as a Node (req, res) handler', () => {
  test('on node:http, and behind a body parser that consumed the stream (express.json style)', async () => {
    const seen: string[] = [];
    const handler = createNodeCallbackHandler({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      onUpdate: (update) => void seen.push(update.event_id),
    });
    const server = createServer((request, response) => {
      if (request.url?.startsWith('/parsed')) {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          Object.assign(request, { body: JSON.parse(Buffer.concat(chunks).toString()) });
          handler(request, response);
        });
      } else handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const send = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (response) => [response.status, await response.text()]);
      expect(await send('/any/path?q=1', event({ event_id: 'e1' }))).toEqual([200, 'ok']);
      expect(await send('/parsed', event({ event_id: 'e2' }))).toEqual([200, 'ok']);
      expect(await send('/any', { type: 'confirmation', group_id: GROUP })).toEqual([200, CODE]);
      expect(seen).toEqual(['e1', 'e2']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
