// Stop means stopped: once VkApi.close() resolves, nothing of the client is left — no request's
// timeout timer still armed, no keep-alive socket open, no retry timer waiting to fire — after plain
// calls, execute batches, uploads and retries alike.
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import { type ResourceWatch, watchResources } from '@vkwire/testing';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { MemoryRateLimiter, VkApi, VkClosedError } from '../src/index.js';

const PEER = 193847562;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

let watch: ResourceWatch;
let vk: Sandbox;
let api: VkApi | undefined;

// The watch starts before the sandbox, so what its server does to answer is told apart from the client's.
beforeEach(async () => {
  watch = watchResources();
  vk = await createSandbox({ rateLimit: false });
});

afterEach(async () => {
  await api?.close();
  api = undefined;
  watch.end();
  await vk.close();
});

function lines(left: Array<{ type: string; detail: string; createdAt: string }>): string[] {
  return left.map((item) => `${item.type} ${item.detail} @ ${item.createdAt}`);
}

test('after calls, execute batches and an upload, close() leaves no timer and no socket', async () => {
  vk.user(PEER).send('hi');
  watch.begin();
  api = new VkApi({ token: vk.group.token, baseUrl: vk.apiUrl, rateLimiter: new MemoryRateLimiter() });
  await api.users.get({ user_ids: [PEER] });
  // 30 at once: two executes.
  await Promise.all(
    Array.from({ length: 30 }, (_, index) => api?.messages.send({ peer_id: PEER, message: `n${index}` })),
  );
  const photo = await api.upload.messagePhoto(PEER, JPEG);
  await api.messages.send({ peer_id: PEER, attachment: [photo] });
  expect(watch.live().length).toBeGreaterThan(0); // its keep-alive sockets, at least
  await api.close();
  expect(lines(await watch.settle())).toEqual([]);
});

test('a call waiting for its retry when close() gives up: its retry timer is cleared, the call fails with VkClosedError', async () => {
  watch.begin();
  const warnings: object[] = [];
  let retrying: () => void = () => {};
  const retried = new Promise<void>((resolve) => {
    retrying = resolve;
  });
  api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    closeTimeoutMs: 50,
    retry: { rateLimitDelayMs: 5000 },
    hooks: { onRetry: () => retrying() },
    logger: { debug() {}, info() {}, warn: (fields) => void warnings.push(fields), error() {} },
  });
  await api.users.get({ user_ids: [PEER] });
  vk.faults.apiError(6, { times: 1 });
  const call = api.users.get({ user_ids: [PEER] });
  const outcome = call.then(
    () => 'answered',
    (error: unknown) => (error instanceof VkClosedError ? 'closed' : String(error)),
  );
  await retried;
  await api.close();
  expect(await outcome).toBe('closed');
  expect(warnings).toEqual([expect.objectContaining({ abandoned: 1 })]);
  expect(lines(await watch.settle())).toEqual([]);
});

test("calls queued behind the rate limiter when close() gives up: they fail, and the limiter's timer is cleared", async () => {
  watch.begin();
  api = new VkApi({
    token: vk.group.token,
    baseUrl: vk.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
    requestsPerSecond: 2,
    batching: false,
    closeTimeoutMs: 50,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  // Two go at once-ish, the rest wait for the limiter (one every 500 ms).
  const calls = Array.from({ length: 6 }, () =>
    api?.users.get({ user_ids: [PEER] }).then(
      () => 'answered',
      (error: unknown) => (error instanceof VkClosedError ? 'closed' : String(error)),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The limiter's timer for the next grant is armed.
  expect(watch.live().some((item) => item.createdAt.includes('rate-limiter.ts'))).toBe(true);
  await api.close();
  const outcomes = await Promise.all(calls);
  expect(outcomes.filter((outcome) => outcome === 'closed').length).toBeGreaterThanOrEqual(3);
  expect(lines(await watch.settle())).toEqual([]);
});
