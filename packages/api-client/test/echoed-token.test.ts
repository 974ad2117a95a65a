import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { MemoryRateLimiter, VkApi, VkEndpointError, VkResponseError } from '../src/index.js';

const TOKEN = 'vk1.a.Echoed-Token_0123456789abcdefABCDEF';

let server: Server | undefined;
let api: VkApi | undefined;
afterEach(async () => {
  await api?.close();
  await new Promise((resolve) => server?.close(resolve));
  api = undefined;
  server = undefined;
});

/** A server that answers every request with its own body, as echo services and some proxies do. */
async function echo(status: number): Promise<string> {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(`you sent: ${body}`);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/method`;
}

// The token travels in the request body; an answer that is not VK's JSON is quoted in the error
// (an excerpt of 200 characters). Whatever the other side echoes, the token must not be quoted.
describe('an answer that echoes the request', () => {
  test.each([200, 404, 502])('HTTP %i: the error quotes the answer without the token', async (status) => {
    const baseUrl = await echo(status);
    api = new VkApi({
      token: TOKEN,
      baseUrl,
      tokenType: 'group',
      rateLimiter: new MemoryRateLimiter(),
      retry: { attempts: 1 },
    });
    const error = await api.users.get({ user_ids: [1] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(status >= 500 ? VkResponseError : VkEndpointError);
    const response = error as VkResponseError;
    expect(response.excerpt).toContain('you sent:');
    for (const view of [response.message, response.excerpt, inspect(error, { depth: Infinity })])
      expect(view).not.toContain(TOKEN);
  });
});
