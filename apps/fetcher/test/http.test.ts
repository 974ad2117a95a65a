import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { HttpListenError, type HttpServer, type Readiness, startHttpServer } from '../src/http.ts';
import { createFetcherMetrics } from '../src/metrics.ts';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const READY: Readiness = {
  ready: true,
  redis: 'up',
  communities: [
    { groupId: 1, token: 'a1b2c3d4e5f60718', role: 'leader' },
    { groupId: 2, token: '0f1e2d3c4b5a6978', role: 'standby' },
  ],
};

async function start(overrides: Partial<Parameters<typeof startHttpServer>[0]> = {}): Promise<HttpServer> {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics: createFetcherMetrics({ defaultMetrics: false }),
    readiness: () => READY,
    onError: () => {},
    ...overrides,
  });
  servers.push(server);
  return server;
}

/** One request over a keep-alive agent; resolves with the status, body and the socket used. */
function get(
  url: string,
  agent: Agent,
  method = 'GET',
): Promise<{ status: number; body: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { agent, method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, socket: call.socket as Socket }),
      );
    });
    call.on('error', reject);
    call.end();
  });
}

describe('startHttpServer', () => {
  test('/healthz answers ok while the server runs', async () => {
    const server = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('/readyz is 200 with the readiness when ready and 503 with it when not', async () => {
    let state: Readiness = READY;
    const server = await start({ readiness: async () => state });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual(READY);

    state = {
      ready: false,
      redis: 'down',
      communities: [
        { groupId: null, token: 'a1b2c3d4e5f60718', role: 'starting', detail: 'waiting for Redis' },
      ],
    };
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual(state);
  });

  test('/readyz is 503 when the readiness callback throws or does not answer in time, and says so', async () => {
    const errors: unknown[] = [];
    const failing = await start({
      readiness: () => {
        throw new Error('redis ping failed');
      },
      onError: (error) => errors.push(error),
    });
    const thrown = await fetch(`${failing.url}/readyz`);
    expect(thrown.status).toBe(503);
    expect(await thrown.json()).toEqual({ ready: false, error: 'redis ping failed' });
    expect(errors).toHaveLength(1);

    const hanging = await start({
      readiness: () => new Promise<Readiness>(() => {}),
      readinessTimeoutMs: 50,
    });
    const slow = await fetch(`${hanging.url}/readyz`);
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({
      ready: false,
      error: 'the readiness check did not answer within 50 ms',
    });
  });

  test('/metrics serves the Prometheus text of the metrics given', async () => {
    const metrics = createFetcherMetrics({ defaultMetrics: false });
    metrics.updatesReceived('message_new', 7);
    metrics.setLeader(42, true);
    const server = await start({ metrics });
    const response = await fetch(`${server.url}/metrics?format=text`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.contentType);
    const text = await response.text();
    expect(text).toContain('vkwire_fetcher_updates_received_total{update_type="message_new"} 7');
    expect(text).toContain('vkwire_fetcher_leader{group_id="42"} 1');
  });

  test('/metrics is a 500 when collecting fails, reported through onError', async () => {
    const errors: unknown[] = [];
    const server = await start({
      metrics: { contentType: 'text/plain', metrics: () => Promise.reject(new Error('collector broke')) },
      onError: (error) => errors.push(error),
    });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(500);
    expect(errors.map((error) => (error as Error).message)).toEqual(['collector broke']);
  });

  test('other paths are 404, other methods 405 with Allow, HEAD is GET without a body', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz/extra`)).status).toBe(404);
    expect((await fetch(`${server.url}/nope`, { method: 'POST' })).status).toBe(404);
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${server.url}/readyz`, { method: 'DELETE' })).status).toBe(405);
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  test('stop() closes kept-alive connections at once and the port stops answering', async () => {
    const server = await start();
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const first = await get(`${server.url}/healthz`, agent);
      const second = await get(`${server.url}/healthz`, agent);
      expect(second.socket).toBe(first.socket); // the connection was kept alive
      const socketClosed = new Promise<void>((resolve) => first.socket.once('close', () => resolve()));

      const started = performance.now();
      await server.stop();
      // an idle kept-alive connection must not hold stop() until its keep-alive timeout
      expect(performance.now() - started).toBeLessThan(1000);
      await socketClosed;
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      await server.stop(); // a second stop is the same stop
    } finally {
      agent.destroy();
    }
  });

  test('stop() cuts a readiness check that is still waiting, and runs nothing after', async () => {
    const errors: unknown[] = [];
    const server = await start({
      readiness: () => new Promise<Readiness>(() => {}),
      readinessTimeoutMs: 60_000,
      onError: (error) => errors.push(error),
    });
    const pending = fetch(`${server.url}/readyz`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await server.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(errors).toEqual([]);
  });

  test('a busy port rejects with HttpListenError naming host:port', async () => {
    const first = await start();
    const attempt = start({ port: first.port });
    await expect(attempt).rejects.toBeInstanceOf(HttpListenError);
    await expect(attempt).rejects.toMatchObject({
      name: 'HttpListenError',
      code: 'port_in_use',
      host: '127.0.0.1',
      port: first.port,
      message: expect.stringContaining(`127.0.0.1:${first.port} is already in use`),
    });
    // the first server is untouched
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });

  test('an address this machine does not have rejects with listen_failed', async () => {
    await expect(start({ host: '192.0.2.1' })).rejects.toMatchObject({
      code: 'listen_failed',
      message: expect.stringMatching(/^fetcher HTTP server: cannot listen on 192\.0\.2\.1:0: /),
    });
  });
});
