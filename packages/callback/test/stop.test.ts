import { createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type DedupeStore, MemoryDedupeStore, type StopResult } from '@vkwire/core';
import { Hono } from 'hono';
import { afterEach, describe, expect, test } from 'vitest';
import { callbackRoute, createCallbackHandler } from '../src/hono.js';
import { type CallbackReceiverOptions, createCallbackReceiver } from '../src/index.js';
import { createNodeCallbackHandler, serveCallback } from '../src/node.js';
import { fixture, gate, type Rig, rig, until } from './setup.js';

const GROUP = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CODE = '5f3e9a1c';
const STOP_TIMEOUT = 150;
const base = fixture<{ body: Record<string, unknown> }>('callback/message_new.retry.http.json').body;
const body = (eventId: string) => JSON.stringify({ ...structuredClone(base), event_id: eventId });

/** A memory store that notes every call, so a test can see what reached the store and when. */
function recordingStore(): { store: DedupeStore; calls: string[] } {
  const memory = new MemoryDedupeStore();
  const calls: string[] = [];
  return {
    calls,
    store: {
      claim: (key, leaseMs) => {
        calls.push(`claim ${key}`);
        return memory.claim(key, leaseMs);
      },
      complete: (key, owner, ttlMs) => {
        calls.push(`complete ${key}`);
        return memory.complete(key, owner, ttlMs);
      },
      release: (key, owner) => {
        calls.push(`release ${key}`);
        return memory.release(key, owner);
      },
    },
  };
}

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

/** One entry point, started with the given options, spoken to over its own transport. */
interface Entry {
  send(text: string): Promise<Answer>;
  stop(): Promise<StopResult>;
  dispose(): Promise<void>;
}

const read = async (response: Response): Promise<Answer> => ({
  status: response.status,
  retryAfter: response.headers.get('retry-after'),
  text: await response.text(),
});
const request = (text: string, path = '/callback') =>
  new Request(`http://bot.local${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });

const entries: Record<string, (options: CallbackReceiverOptions) => Promise<Entry>> = {
  'the fetch receiver (createCallbackReceiver)': async (options) => {
    const receiver = createCallbackReceiver(options);
    return {
      send: (text) => receiver.fetch(request(text)).then(read),
      stop: receiver.stop,
      dispose: async () => {},
    };
  },
  'the hono app (createCallbackHandler)': async (options) => {
    const app = createCallbackHandler(options);
    return {
      send: (text) => Promise.resolve(app.fetch(request(text))).then(read),
      stop: app.stop,
      dispose: async () => {},
    };
  },
  'the hono route (callbackRoute)': async (options) => {
    const route = callbackRoute(options);
    const app = new Hono().post('/hooks/vk', route);
    return {
      send: (text) => Promise.resolve(app.fetch(request(text, '/hooks/vk'))).then(read),
      stop: route.stop,
      dispose: async () => {},
    };
  },
  'the Node handler (createNodeCallbackHandler) on node:http': async (options) => {
    const handler = createNodeCallbackHandler(options);
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vk`;
    return {
      send: (text) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }).then(
          read,
        ),
      stop: handler.stop,
      dispose: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
};

let disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(disposers.map((dispose) => dispose()));
  disposers = [];
});

describe.each(Object.entries(entries))('stop() of %s', (_name, make) => {
  test('a handler past stopTimeoutMs is aborted and abandoned: its outcome reaches neither the store nor onError', async () => {
    const { store, calls } = recordingStore();
    const started = gate();
    const release = gate();
    const errors: Error[] = [];
    let signal: AbortSignal | undefined;
    const entry = await make({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      dedupe: store,
      stopTimeoutMs: STOP_TIMEOUT,
      onError: (error) => void errors.push(error),
      onUpdate: async (_update, context) => {
        signal = context.signal;
        started.open();
        await release.promise;
        // Ignores its signal and fails late: this must not be reported any more.
        throw new Error('late failure');
      },
    });
    disposers.push(entry.dispose);
    const slow = entry.send(body('slow'));
    await started.promise;
    const begun = performance.now();
    const stopping = entry.stop();
    expect(entry.stop()).toBe(stopping);
    // Aborted only once stopTimeoutMs has run out.
    expect(signal?.aborted).toBe(false);
    // Taking no new updates: VK is told to come back later, and no handler runs.
    expect(await entry.send(body('late'))).toEqual({ status: 503, retryAfter: '10', text: 'stopping' });
    const result = await stopping;
    expect(performance.now() - begun).toBeGreaterThanOrEqual(STOP_TIMEOUT - 5);
    expect(result).toEqual({ abandoned: 1 });
    expect(signal?.aborted).toBe(true);
    // The request of the abandoned handling is answered with a retry too.
    expect(await slow).toEqual({ status: 503, retryAfter: '10', text: 'stopping' });
    const atStop = calls.length;
    release.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.slice(atStop)).toEqual([]);
    expect(calls).not.toContain(`complete ${GROUP}:slow`);
    expect(calls).not.toContain(`claim ${GROUP}:late`);
    expect(errors).toEqual([]);
    expect(await entry.stop()).toBe(result);
  });

  test('a handler that ends within stopTimeoutMs finishes normally: answered ok, recorded, nothing abandoned', async () => {
    const { store, calls } = recordingStore();
    const started = gate();
    const entry = await make({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      dedupe: store,
      stopTimeoutMs: 5000,
      onUpdate: async () => {
        started.open();
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
    });
    disposers.push(entry.dispose);
    const quick = entry.send(body('quick'));
    await started.promise;
    const result = await entry.stop();
    expect(result).toEqual({ abandoned: 0 });
    expect(await quick).toEqual({ status: 200, retryAfter: null, text: 'ok' });
    expect(calls).toEqual([`claim ${GROUP}:quick`, `complete ${GROUP}:quick`]);
  });
});

describe('stop() of serveCallback, against the sandbox pusher', () => {
  let current: Rig | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  test('abandons a handler past stopTimeoutMs, answers VK 503, discards the outcome and closes the server', async () => {
    current = await rig();
    const { vk, serve } = current;
    const { store, calls } = recordingStore();
    const started = gate();
    const release = gate();
    let signal: AbortSignal | undefined;
    let finishedAfterStop = false;
    const { server } = await serve({
      dedupe: store,
      stopTimeoutMs: STOP_TIMEOUT,
      deadlineMs: 5000,
      onUpdate: async (_update, context) => {
        signal = context.signal;
        started.open();
        await release.promise;
        finishedAfterStop = true;
      },
    });
    vk.user(1).send('handled while stopping');
    await started.promise;
    const begun = performance.now();
    const stopping = server.stop();
    expect(server.stop()).toBe(stopping);
    expect(await stopping).toEqual({ abandoned: 1 });
    expect(performance.now() - begun).toBeGreaterThanOrEqual(STOP_TIMEOUT - 5);
    expect(signal?.aborted).toBe(true);
    expect(server.server.listening).toBe(false);
    await until(() => (vk.callback.deliveries({ type: 'message_new' })[0]?.attempts.length ?? 0) > 0);
    expect(vk.callback.deliveries({ type: 'message_new' })[0]?.attempts[0]).toMatchObject({
      status: 503,
      retryAfter: '10',
    });
    const atStop = calls.length;
    release.open();
    await until(() => finishedAfterStop);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.slice(atStop)).toEqual([]);
    expect(calls.filter((call) => call.startsWith('complete'))).toEqual([]);
  });
});

// A request whose body is still arriving when stop() is called is "anything, once stop() was
// called": it gets 503 stopping, and it is no refusal to report — least of all after stop()
// resolved, when nothing of the receiver may run any more.
describe('stop() with a body still arriving', () => {
  const quietSpy = () => {
    let stopped = false;
    const after: string[] = [];
    const note = (what: string) => {
      if (stopped) after.push(what);
    };
    return {
      after,
      markStopped: () => {
        stopped = true;
      },
      options: {
        onRejected: (reason: string) => note(`onRejected ${reason}`),
        logger: {
          debug: () => {},
          info: () => {},
          warn: (_fields: unknown, message: string) => note(`warn ${message}`),
          error: (_fields: unknown, message: string) => note(`error ${message}`),
        },
      },
    };
  };

  test('serveCallback: a client cut off by stop() fires no onRejected and no log line after stop()', async () => {
    const spy = quietSpy();
    const server = await serveCallback({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      onUpdate: () => {},
      stopTimeoutMs: STOP_TIMEOUT,
      ...spy.options,
    });
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"type":`,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await server.stop()).toEqual({ abandoned: 0 });
    spy.markStopped();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(spy.after).toEqual([]);
  });

  test('the fetch receiver: a body that ends after stop() is answered 503 stopping, no refusal reported', async () => {
    const spy = quietSpy();
    const receiver = createCallbackReceiver({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      onUpdate: () => {},
      stopTimeoutMs: STOP_TIMEOUT,
      ...spy.options,
    });
    let finish: () => void = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"type":'));
        finish = () => controller.close();
      },
    });
    const answer = receiver.fetch(
      new Request('http://bot.local/callback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(await receiver.stop()).toEqual({ abandoned: 0 });
    spy.markStopped();
    finish();
    const response = await answer;
    expect({ status: response.status, text: await response.text() }).toEqual({
      status: 503,
      text: 'stopping',
    });
    expect(spy.after).toEqual([]);
  });
});
