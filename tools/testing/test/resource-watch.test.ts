// watchResources tells what the object under test left alive, and nothing else: a timer still
// armed or a socket still open that it created, not what a server that was already listening
// created to answer it.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { watchResources } from '../src/resource-watch.js';

test('an interval left armed is reported with its delay; a cleared one is not', async () => {
  const watch = watchResources();
  try {
    watch.begin();
    const kept = setInterval(function keepTicking() {}, 1234);
    const cleared = setTimeout(() => {}, 5000);
    clearTimeout(cleared);
    const left = await watch.settle(50);
    expect(left.map((item) => `${item.type} ${item.detail}`)).toEqual([
      'Timeout every 1234 ms → keepTicking',
    ]);
    clearInterval(kept);
    expect(await watch.settle()).toEqual([]);
  } finally {
    watch.end();
  }
});

test("a request to a server listening before begin(): the server's side is not counted, a kept-alive client socket is", async () => {
  const watch = watchResources();
  const server = createServer((_req, res) => {
    // The server arms a timer of its own for each request: not the client's.
    setTimeout(() => {}, 60_000).unref();
    res.end('ok');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    watch.begin();
    const { port } = server.address() as AddressInfo;
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request({ port, host: '127.0.0.1', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const left = await watch.settle(50);
    expect(left.map((item) => item.type)).toContain('TCPWRAP');
    expect(left.filter((item) => item.type === 'Timeout' && item.detail.startsWith('after 60000'))).toEqual(
      [],
    );
    agent.destroy();
    expect(await watch.settle()).toEqual([]);
  } finally {
    watch.end();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
