import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import type { VkParsedUpdate } from '@vkwire/events-schema';
import { afterEach, describe, expect, test } from 'vitest';
import type { CallbackContext } from '../src/index.js';
import {
  type CallbackServer,
  createNodeCallbackHandler,
  type ServeCallbackOptions,
  serveCallback,
} from '../src/node.js';
import { fixture } from './setup.js';

const GROUP = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CODE = '5f3e9a1c';
const base = fixture<{ body: Record<string, unknown> }>('callback/message_new.retry.http.json').body;
const body = (eventId: string) => JSON.stringify({ ...structuredClone(base), event_id: eventId });

const servers: CallbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function start(options: Partial<ServeCallbackOptions> = {}) {
  const seen: Array<{ update: VkParsedUpdate; context: CallbackContext }> = [];
  const server = await serveCallback({
    groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
    onUpdate: (update, context) => void seen.push({ update, context }),
    ...options,
  });
  servers.push(server);
  return { server, seen, port: Number(new URL(server.url).port) };
}

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
  /** The server closed the connection after answering. */
  closed: boolean;
}

/**
 * Writes an HTTP request in parts on a raw socket (numbers are pauses in ms), then reads one
 * answer. `abort` destroys the socket after the parts instead of waiting.
 */
function raw(port: number, parts: Array<string | Buffer | number>, abort = false): Promise<RawAnswer | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const done = (closed: boolean) => {
      if (settled) return;
      const split = received.indexOf('\r\n\r\n');
      if (split === -1) return;
      const head = received.slice(0, split);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < split + 4 + length) return;
      settled = true;
      resolve({
        status: Number(head.slice(9, 12)),
        headers: head.toLowerCase(),
        body: received.slice(split + 4, split + 4 + length),
        closed,
      });
      if (!closed) socket.destroy();
    };
    socket.on('data', (chunk) => {
      received += chunk.toString();
      // Wait a moment for a close that follows the answer.
      setTimeout(() => done(false), 50);
    });
    socket.on('close', () => {
      done(true);
      if (!settled) resolve(null);
    });
    socket.on('error', (error) => {
      if (!settled && !abort) reject(error);
    });
    void (async () => {
      for (const part of parts) {
        if (typeof part === 'number') await new Promise((wait) => setTimeout(wait, part));
        else if (!socket.destroyed) socket.write(part);
      }
      if (abort) socket.destroy();
    })();
  });
}

const head = (path: string, headers: string[]) =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n`;
const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

describe('serveCallback on node:http', () => {
  test('the path decides (a query string is fine); other paths 404, other methods 405', async () => {
    const { server, seen } = await start();
    const origin = new URL(server.url).origin;
    const send = (path: string, init: RequestInit = {}) =>
      fetch(`${origin}${path}`, init).then(async (response) => [response.status, await response.text()]);
    const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
    expect(await send('/callback?source=vk&x=1', { ...post, body: body('q1') })).toEqual([200, 'ok']);
    expect(await send('/other', { ...post, body: body('q2') })).toEqual([404, 'not found']);
    expect(await send('/callback/extra', { ...post, body: body('q3') })).toEqual([404, 'not found']);
    expect(await send('/callback')).toEqual([405, 'POST only']);
    expect(seen.map(({ update }) => update.event_id)).toEqual(['q1']);
  });

  test('a body that arrives slowly in chunks is read whole', async () => {
    const { port, seen } = await start();
    const text = body('slow-chunks');
    const third = Math.ceil(text.length / 3);
    const answer = await raw(port, [
      head('/callback', ['content-type: application/json', 'transfer-encoding: chunked']),
      chunk(text.slice(0, third)),
      30,
      chunk(text.slice(third, 2 * third)),
      30,
      chunk(text.slice(2 * third)),
      '0\r\n\r\n',
    ]);
    expect(answer).toMatchObject({ status: 200, body: 'ok' });
    expect(seen.map(({ update }) => update.event_id)).toEqual(['slow-chunks']);
  });

  test('a chunked body past the limit: 413 while reading, the connection closed, no dispatch', async () => {
    const { port, seen } = await start({ bodyLimit: 4096 });
    const kib = `"${'x'.repeat(1022)}",`;
    const answer = await raw(port, [
      head('/callback', ['content-type: application/json', 'transfer-encoding: chunked']),
      chunk(`[${kib}`),
      ...Array.from({ length: 8 }, () => [10, chunk(kib)]).flat(),
    ]);
    expect(answer).toMatchObject({ status: 413, closed: true });
    expect(answer?.body).toMatch(/larger than 4096 bytes/);
    expect(seen).toEqual([]);
  });

  test('a declared Content-Length past the limit: 413 at once, before any body is sent', async () => {
    const { port, seen } = await start();
    const answer = await raw(port, [
      head('/callback', ['content-type: application/json', `content-length: ${64 * 1024 * 1024}`]),
    ]);
    expect(answer).toMatchObject({ status: 413, closed: true });
    expect(seen).toEqual([]);
  });

  test('a client that goes away mid-body: no dispatch, and the server goes on answering', async () => {
    const { port, server, seen } = await start();
    const text = body('aborted');
    await raw(
      port,
      [
        head('/callback', ['content-type: application/json', `content-length: ${Buffer.byteLength(text)}`]),
        text.slice(0, 100),
        20,
      ],
      true,
    );
    const after = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('after'),
    });
    expect([after.status, await after.text()]).toEqual([200, 'ok']);
    expect(seen.map(({ update }) => update.event_id)).toEqual(['after']);
  });

  test('the handler sees the request as received: URL with its query, headers, the body', async () => {
    const requests: Request[] = [];
    const { server } = await start({
      onUpdate: (_update, context) => void requests.push(context.request),
    });
    const text = body('seen-request');
    const response = await fetch(`${server.url}?source=vk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-retry-counter': '2', 'x-custom': 'yes' },
      body: text,
    });
    expect(response.status).toBe(200);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(new URL(request?.url ?? '').search).toBe('?source=vk');
    expect(request?.headers.get('x-retry-counter')).toBe('2');
    expect(request?.headers.get('x-custom')).toBe('yes');
    expect(await request?.text()).toBe(text);
  });
});

test('over TLS: https URL, answers, and the handler sees an https request', async () => {
  const tls = (name: string) => readFileSync(new URL(`./fixtures/tls/${name}`, import.meta.url));
  const urls: string[] = [];
  const { server } = await start({
    tls: { key: tls('key.pem'), cert: tls('cert.pem') },
    onUpdate: (_update, context) => void urls.push(context.request.url),
  });
  expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/callback$/);
  const text = body('over-tls');
  const answer = await new Promise<[number, string]>((resolve, reject) => {
    const request = httpsRequest(
      `${server.url}?source=vk`,
      { method: 'POST', ca: tls('cert.pem'), headers: { 'content-type': 'application/json' } },
      (response) => {
        let received = '';
        response.on('data', (chunk: Buffer) => {
          received += chunk.toString();
        });
        response.on('end', () => resolve([response.statusCode ?? 0, received]));
      },
    );
    request.on('error', reject);
    request.end(text);
  });
  expect(answer).toEqual([200, 'ok']);
  expect(urls).toEqual([`${server.url}?source=vk`]);
});

describe('createNodeCallbackHandler', () => {
  test('a stream some middleware consumed without a parsed body: 400 at once, never a hang', async () => {
    const seen: string[] = [];
    const handler = createNodeCallbackHandler({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      onUpdate: (update) => void seen.push(update.event_id),
    });
    const server = createServer((request, response) => {
      request.resume();
      request.once('end', () => handler(request, response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/vk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body('consumed'),
        signal: AbortSignal.timeout(2000),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/consumed/);
      expect(seen).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
