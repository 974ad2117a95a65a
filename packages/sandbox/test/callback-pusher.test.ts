import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VK_API_VERSION } from '@vkwire/events-schema';
import { afterEach, describe, expect, test } from 'vitest';
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/index.js';
import { ok } from './helpers.js';

/** One request the fake bot received. */
interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** An answer the fake bot gives: status, body and extra headers. */
interface Reply {
  status?: number;
  body: string;
  headers?: Record<string, string>;
}

/** A plain node:http server standing in for a bot: records requests, answers by a script. */
class FakeBot {
  readonly received: Received[] = [];
  url = '';
  private readonly server: Server;

  constructor(private readonly answer: (request: Received, index: number) => Reply | Promise<Reply>) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const received = {
          headers: request.headers,
          body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
        };
        this.received.push(received);
        const reply = await this.answer(received, this.received.length - 1);
        response.writeHead(reply.status ?? 200, { 'content-type': 'text/plain', ...reply.headers });
        response.end(reply.body);
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callback?from=vk`;
    return this;
  }

  /** Bodies of the event requests (confirmations left out). */
  events(): Array<Record<string, unknown>> {
    return this.received.map((item) => item.body).filter((body) => body.type !== 'confirmation');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const FAST: SandboxOptions['callback'] = { retryDelaysMs: [20, 20, 20, 20, 20], retryAfterUnitMs: 10 };

let vk: Sandbox | undefined;
const bots: FakeBot[] = [];
afterEach(async () => {
  await vk?.close();
  vk = undefined;
  await Promise.all(bots.splice(0).map((bot) => bot.close()));
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  vk = await createSandbox({ rateLimit: false, callback: FAST, ...options });
  return vk;
}

/** A bot that confirms with the community's code and answers events with `events`. */
async function bot(
  sandbox: Sandbox,
  events: (request: Received, index: number) => Reply | Promise<Reply> = () => ({ body: 'ok' }),
  groupId = sandbox.group.id,
): Promise<FakeBot> {
  const { code } = await ok<{ code: string }>(
    sandbox,
    'groups.getCallbackConfirmationCode',
    { group_id: groupId },
    tokenOf(sandbox, groupId),
  );
  let eventIndex = 0;
  const fake = await new FakeBot((request) =>
    request.body.type === 'confirmation' ? { body: code } : events(request, eventIndex++),
  ).listen();
  bots.push(fake);
  return fake;
}

function tokenOf(sandbox: Sandbox, groupId: number): string {
  return sandbox.groups.find((group) => group.id === groupId)?.token ?? '';
}

/** Adds a callback server with the given event types on and waits for its confirmation. */
async function addServer(
  sandbox: Sandbox,
  url: string,
  options: { secret?: string; events?: string[]; groupId?: number } = {},
): Promise<number> {
  const group_id = options.groupId ?? sandbox.group.id;
  const token = tokenOf(sandbox, group_id);
  const { server_id } = await ok<{ server_id: number }>(
    sandbox,
    'groups.addCallbackServer',
    { group_id, url, title: 'bot', ...(options.secret ? { secret_key: options.secret } : {}) },
    token,
  );
  const flags: Record<string, number> = {};
  for (const type of options.events ?? ['message_new']) flags[type] = 1;
  await ok(
    sandbox,
    'groups.setCallbackSettings',
    { group_id, server_id, api_version: VK_API_VERSION, ...flags },
    token,
  );
  await sandbox.callback.idle();
  return server_id;
}

describe('confirmation', () => {
  test('a new server gets a confirmation request; the right code makes its status ok', async () => {
    const sandbox = await start();
    const fake = await bot(sandbox);
    const serverId = await addServer(sandbox, fake.url, { secret: 'S3cret' });
    expect(fake.received[0]?.body).toEqual({
      type: 'confirmation',
      group_id: sandbox.group.id,
      secret: 'S3cret',
    });
    const { items } = await ok<{ items: Array<{ id: number; status: string }> }>(
      sandbox,
      'groups.getCallbackServers',
      { group_id: sandbox.group.id },
    );
    expect(items).toEqual([expect.objectContaining({ id: serverId, status: 'ok' })]);
    expect(sandbox.callback.deliveries({ type: 'confirmation' })).toEqual([
      expect.objectContaining({
        serverId,
        status: 'delivered',
        attempts: [expect.objectContaining({ status: 200 })],
      }),
    ]);
  });

  test('a wrong answer makes the server failed and it gets no events', async () => {
    const sandbox = await start();
    const fake = bots[bots.push(await new FakeBot(() => ({ body: 'ok' })).listen()) - 1] as FakeBot;
    await addServer(sandbox, fake.url);
    const { items } = await ok<{ items: Array<{ status: string }> }>(sandbox, 'groups.getCallbackServers', {
      group_id: sandbox.group.id,
    });
    expect(items[0]?.status).toBe('failed');
    sandbox.user(1).send('hello');
    await sandbox.callback.idle();
    expect(fake.events()).toEqual([]);
  });

  test('editing the URL confirms again; confirm() repeats it on demand', async () => {
    const sandbox = await start();
    const first = await bot(sandbox);
    const second = await bot(sandbox);
    const server_id = await addServer(sandbox, first.url);
    await ok(sandbox, 'groups.editCallbackServer', {
      group_id: sandbox.group.id,
      server_id,
      url: second.url,
      title: 'moved',
    });
    await sandbox.callback.idle();
    expect(second.received.map((item) => item.body.type)).toEqual(['confirmation']);
    expect(await sandbox.callback.confirm(server_id)).toBe('ok');
    expect(second.received).toHaveLength(2);
  });
});

describe('events', () => {
  test('events are POSTed as JSON with secret, event_id and v; only enabled types', async () => {
    const sandbox = await start();
    const fake = await bot(sandbox);
    await addServer(sandbox, fake.url, { secret: 's3cr3t_Bodroe_2025', events: ['message_new'] });
    sandbox.user(193847562).send('Привет');
    sandbox.user(193847562).typing(); // message_typing_state is off for this server
    await sandbox.callback.idle();
    const [event] = fake.events();
    expect(fake.events()).toHaveLength(1);
    expect(event).toMatchObject({
      type: 'message_new',
      group_id: sandbox.group.id,
      v: VK_API_VERSION,
      secret: 's3cr3t_Bodroe_2025',
      object: { message: { text: 'Привет', peer_id: 193847562 } },
    });
    expect(event?.event_id).toBe(sandbox.events().find((item) => item.type === 'message_new')?.event_id);
    const request = fake.received.at(-1);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-retry-counter']).toBeUndefined();
  });

  test('a server without a secret gets bodies without one', async () => {
    const sandbox = await start();
    const fake = await bot(sandbox);
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('x');
    await sandbox.callback.idle();
    expect(fake.events()[0]).not.toHaveProperty('secret');
  });

  test('events of one server arrive one at a time and in order', async () => {
    const sandbox = await start();
    let inFlight = 0;
    let maxInFlight = 0;
    const fake = await bot(sandbox, async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight -= 1;
      return { body: 'ok' };
    });
    await addServer(sandbox, fake.url);
    for (let index = 0; index < 30; index += 1) sandbox.user(1 + (index % 3)).send(`m${index}`);
    await sandbox.callback.idle();
    const texts = fake.events().map((body) => (body.object as { message: { text: string } }).message.text);
    expect(texts).toEqual(Array.from({ length: 30 }, (_, index) => `m${index}`));
    expect(maxInFlight).toBe(1);
  });

  test('every server of the community gets the event; other communities are not involved', async () => {
    const sandbox = await start({ groups: [{ id: 1001 }, { id: 1002 }] });
    const a = await bot(sandbox, undefined, 1001);
    const b = await bot(sandbox, undefined, 1001);
    const other = await bot(sandbox, undefined, 1002);
    await addServer(sandbox, a.url, { groupId: 1001 });
    await addServer(sandbox, b.url, { groupId: 1001 });
    await addServer(sandbox, other.url, { groupId: 1002 });
    sandbox.user(5).send('to 1001');
    await sandbox.callback.idle();
    expect(a.events()).toHaveLength(1);
    expect(b.events()).toHaveLength(1);
    expect(other.events()).toHaveLength(0);
  });
});

describe('retries', () => {
  test('anything but "ok" is retried with X-Retry-Counter until ok', async () => {
    const sandbox = await start();
    const replies: Reply[] = [{ status: 500, body: 'boom' }, { body: 'OK ' }, { body: 'ok' }];
    const fake = await bot(sandbox, (_request, index) => replies[index] ?? { body: 'ok' });
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('retry me');
    await sandbox.callback.idle();
    const requests = fake.received.filter((item) => item.body.type !== 'confirmation');
    expect(requests.map((item) => item.headers['x-retry-counter'])).toEqual([undefined, '1', '2']);
    expect(new Set(requests.map((item) => item.body.event_id)).size).toBe(1);
    const [delivery] = sandbox.callback.deliveries({ type: 'message_new' });
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.attempts.map(({ status, answer }) => [status, answer])).toEqual([
      [500, 'boom'],
      [200, 'OK '],
      [200, 'ok'],
    ]);
  });

  test('after the last retry VK gives up; the next event still comes', async () => {
    const sandbox = await start({ callback: { retryDelaysMs: [5, 5] } });
    const fake = await bot(sandbox, (request) =>
      (request.body.object as { message: { text: string } }).message.text === 'bad'
        ? { status: 503, body: 'no' }
        : { body: 'ok' },
    );
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('bad');
    sandbox.user(1).send('good');
    await sandbox.callback.idle();
    const deliveries = sandbox.callback.deliveries({ type: 'message_new' });
    expect(deliveries.map((item) => [item.status, item.attempts.length])).toEqual([
      ['failed', 3],
      ['delivered', 1],
    ]);
  });

  test('Retry-After with 503/429/410 sets the delay of the next attempt', async () => {
    const sandbox = await start({ callback: { retryDelaysMs: [5, 5, 5], retryAfterUnitMs: 40 } });
    const replies: Reply[] = [
      { status: 503, body: 'busy', headers: { 'retry-after': '3' } },
      { status: 429, body: 'slow down', headers: { 'retry-after': '1' } },
      { status: 500, body: 'x', headers: { 'retry-after': '9' } }, // not a backpressure status
    ];
    const times: number[] = [];
    const fake = await bot(sandbox, (_request, index) => {
      times.push(performance.now());
      return replies[index] ?? { body: 'ok' };
    });
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('later');
    await sandbox.callback.idle();
    const [delivery] = sandbox.callback.deliveries({ type: 'message_new' });
    expect(delivery?.attempts.map((attempt) => attempt.nextDelayMs)).toEqual([120, 40, 5, undefined]);
    expect(delivery?.attempts[0]?.retryAfter).toBe('3');
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(110);
    expect(delivery?.status).toBe('delivered');
  });

  test('a Retry-After of 3 hours or more is ignored', async () => {
    const sandbox = await start({ callback: { retryDelaysMs: [5], retryAfterUnitMs: 1000 } });
    const fake = await bot(sandbox, (_request, index) =>
      index === 0 ? { status: 503, body: 'no', headers: { 'retry-after': '10800' } } : { body: 'ok' },
    );
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('x');
    await sandbox.callback.idle();
    expect(sandbox.callback.deliveries({ type: 'message_new' })[0]?.attempts[0]?.nextDelayMs).toBe(5);
  });

  test('a timeout counts as a failed attempt', async () => {
    // The timeout covers the server's confirmation too: 400 ms leaves it room on a loaded machine.
    const sandbox = await start({ callback: { retryDelaysMs: [5], timeoutMs: 400 } });
    const fake = await bot(sandbox, async (_request, index) => {
      if (index === 0) await new Promise((resolve) => setTimeout(resolve, 1200));
      return { body: 'ok' };
    });
    await addServer(sandbox, fake.url);
    expect(sandbox.callback.deliveries({ type: 'confirmation' })[0]?.status).toBe('delivered');
    sandbox.user(1).send('x');
    await sandbox.callback.idle();
    const [delivery] = sandbox.callback.deliveries({ type: 'message_new' });
    expect(delivery?.attempts.map((attempt) => attempt.error ?? attempt.status)).toEqual(['timeout', 200]);
  });

  test('the answer "remove" deletes the server', async () => {
    const sandbox = await start();
    const fake = await bot(sandbox, () => ({ body: 'remove' }));
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('bye');
    await sandbox.callback.idle();
    sandbox.user(1).send('not delivered');
    await sandbox.callback.idle();
    expect(fake.events()).toHaveLength(1);
    expect(sandbox.callback.deliveries({ type: 'message_new' })[0]?.status).toBe('removed');
    expect(await ok(sandbox, 'groups.getCallbackServers', { group_id: sandbox.group.id })).toEqual({
      count: 0,
      items: [],
    });
  });

  test('close() stops deliveries waiting for a retry', async () => {
    const sandbox = await start({ callback: { retryDelaysMs: [60_000] } });
    const fake = await bot(sandbox, () => ({ status: 500, body: 'down' }));
    await addServer(sandbox, fake.url);
    sandbox.user(1).send('x');
    while (sandbox.callback.deliveries({ type: 'message_new' })[0]?.attempts.length !== 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await sandbox.close();
    await sandbox.callback.idle(100);
    expect(fake.events()).toHaveLength(1);
  });
});
