// Stop means stopped: once a Callback entry point's stop() resolved, nothing of it is left — no
// server listening, no connection open, no timer armed — and no update reaches its handler after.
import { type ResourceWatch, watchResources } from '@vkwire/testing';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { callbackRoute, createCallbackHandler } from '../src/hono.js';
import { type CallbackReceiverOptions, createCallbackReceiver } from '../src/index.js';
import { fixture, type Rig, rig, until } from './setup.js';

const USER = 193847562;
const GROUP = 218734561;
const SECRET = 's3cr3t_Bodroe_2025';
const CODE = '5f3e9a1c';

let watch: ResourceWatch;

beforeEach(() => {
  watch = watchResources();
});

afterEach(() => {
  watch.end();
});

function lines(left: Array<{ type: string; detail: string; createdAt: string }>): string[] {
  return left.map((item) => `${item.type} ${item.detail} @ ${item.createdAt}`);
}

describe('serveCallback, fed by the sandbox Callback pusher', () => {
  let current: Rig | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  test('after stop() no server, connection or timer is left, and a later push reaches no handler', async () => {
    current = await rig();
    const { vk, api } = current;
    // The registration's API client is the test's: its connections are opened before the watch begins.
    await api.groups.getById({});
    const handled: string[] = [];
    watch.begin();
    const { server } = await current.serve({
      onUpdate: (update) => {
        if (update.type === 'message_new') handled.push(update.object.message.text);
      },
    });
    vk.user(USER).send('one');
    vk.user(USER).send('two');
    await until(() => handled.length === 2);
    await vk.callback.idle();
    expect(watch.live().map((item) => item.type)).toContain('TCPSERVERWRAP'); // the watch sees the server
    await server.stop();
    await api.close();
    expect(lines(await watch.settle())).toEqual([]);
    vk.user(USER).send('after stop');
    await vk.callback.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(handled).toEqual(['one', 'two']);
  });
});

const base = fixture<{ body: Record<string, unknown> }>('callback/message_new.retry.http.json').body;
const request = (eventId: string, path = '/callback') =>
  new Request(`http://bot.local${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...structuredClone(base), event_id: eventId }),
  });

const fetchEntries: Record<
  string,
  (options: CallbackReceiverOptions) => {
    fetch(request: Request): Response | Promise<Response>;
    stop(): Promise<unknown>;
  }
> = {
  'the fetch receiver (createCallbackReceiver)': (options) => createCallbackReceiver(options),
  'the hono app (createCallbackHandler)': (options) => createCallbackHandler(options),
  'the hono route (callbackRoute)': (options) => {
    const route = callbackRoute(options);
    const app = new Hono().post('/callback', route);
    return { fetch: (req) => app.fetch(req), stop: route.stop };
  },
};

describe.each(Object.entries(fetchEntries))('stop() of %s', (_name, make) => {
  test('leaves no timer, and a request after it reaches no handler', async () => {
    let handled = 0;
    watch.begin();
    const entry = make({
      groups: [{ groupId: GROUP, secret: SECRET, confirmation: CODE }],
      onUpdate: async () => {
        handled++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    const answers = await Promise.all(['a', 'b', 'c'].map((id) => Promise.resolve(entry.fetch(request(id)))));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    await entry.stop();
    expect(lines(await watch.settle())).toEqual([]);
    const later = await Promise.resolve(entry.fetch(request('d')));
    expect(later.status).not.toBe(200);
    expect(handled).toBe(3);
  });
});
