// The service's promises under faults: kill -9 and restart, Redis down for 10 s, a standby taking over.
import { createSandbox, type Sandbox } from '@vkwire/sandbox';
import {
  destroyManagedRedis,
  launchManagedRedis,
  redisUrl,
  startRedisServer,
  stopRedisServer,
} from '@vkwire/testing';
import { createClient } from 'redis';
import { afterEach, expect, test } from 'vitest';
import { busEvents, freshGroupId, textOf, uniqueStream, until } from './helpers.js';
import { killLeftovers, spawnService, terminate } from './service.js';

const USERS = [193847562, 284756193, 375648219, 466539281, 557428193];

/** Messages from five users, one every `everyMs`, until stopped; each text is `<user>:<n>`. */
function steadyFlow(vk: Sandbox, everyMs = 10) {
  const sent: string[] = [];
  let n = 0;
  const timer = setInterval(() => {
    const user = USERS[n % USERS.length] as number;
    const text = `${user}:${n++}`;
    vk.user(user).send(text);
    sent.push(text);
  }, everyMs);
  return {
    sent,
    stop: () => clearInterval(timer),
  };
}

/** Every text sent is on the bus exactly once, and each user's texts are in the order sent. */
async function expectExactlyOnceInOrder(
  stream: string,
  sent: readonly string[],
  url = redisUrl(),
): Promise<void> {
  let texts: string[] = [];
  await until(async () => {
    texts = (await busEvents(stream, 4, url)).map((event) => textOf(event) ?? '');
    return texts.length >= sent.length;
  }, 30_000).catch((error: Error) => {
    const missing = sent.filter((text) => !texts.includes(text));
    throw new Error(
      `${error.message}: ${texts.length} of ${sent.length} on the bus; missing ${missing.slice(0, 20).join(' ')}`,
    );
  });
  expect(texts.length).toBe(sent.length);
  expect(new Set(texts).size).toBe(texts.length); // nothing twice
  expect([...texts].sort()).toEqual([...sent].sort()); // nothing lost
  for (const user of USERS) {
    const mine = (list: readonly string[]) => list.filter((text) => text.startsWith(`${user}:`));
    expect(mine(texts)).toEqual(mine(sent)); // in order per conversation
  }
}

function serviceEnv(vk: Sandbox, stream: string, redis: string, extra: Record<string, string> = {}) {
  return {
    VK_TOKEN: vk.group.token,
    VK_API_URL: vk.apiUrl,
    REDIS_URL: redis,
    BUS_STREAM: stream,
    BUS_PARTITIONS: '4',
    LP_WAIT: '1',
    LEASE_MS: '1000',
    ...extra,
  };
}

afterEach(killLeftovers);

test('kill -9 at 20 random moments under a steady flow, restarting each time: 0 lost, 0 duplicated', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const stream = uniqueStream();
  const env = serviceEnv(vk, stream, redisUrl());
  // The first poll saves where the community's stream starts; what VK had before is not asked for.
  const first = spawnService(env);
  await first.logged('fetcher: polling the community');
  const flow = steadyFlow(vk);
  let polled = 0;
  for (let kill = 0; kill < 20; kill++) {
    const service = kill === 0 ? first : spawnService(env);
    await service.logged('fetcher: starting');
    // Killed while waiting for the lease a killed one left, while starting to poll, or polling.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1800));
    if (service.logs.some((line) => line.msg === 'fetcher: polling the community')) polled++;
    service.child.kill('SIGKILL');
    await service.exited;
  }
  flow.stop();
  const last = spawnService(env);
  await expectExactlyOnceInOrder(stream, flow.sent);
  expect((await terminate(last)).code).toBe(0);
  expect(flow.sent.length).toBeGreaterThan(1000);
  expect(polled).toBeGreaterThanOrEqual(5); // most kills hit a poller at work
}, 150_000);

test('Redis stopped for 10 s under load: polling pauses, then every event arrives once; no crash', async () => {
  const redis = await launchManagedRedis({ persistence: 'aof-always' });
  try {
    await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
    const stream = uniqueStream();
    const service = spawnService(serviceEnv(vk, stream, redis.url));
    await service.logged('fetcher: polling the community');
    const flow = steadyFlow(vk);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await stopRedisServer(redis);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(service.child.exitCode).toBeNull(); // still running
    const ready = await fetch(`${await service.http}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, redis: 'down' });
    await startRedisServer(redis);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    flow.stop();
    await expectExactlyOnceInOrder(stream, flow.sent, redis.url);
    expect((await terminate(service)).code).toBe(0);
  } finally {
    await destroyManagedRedis(redis);
  }
});

test('a standby takes over within the lease time after the leader is killed: 0 lost', async () => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  const stream = uniqueStream();
  const env = serviceEnv(vk, stream, redisUrl(), { LEASE_MS: '3000' });
  const leader = spawnService(env);
  await leader.logged('fetcher: polling the community');
  const standby = spawnService(env);
  await standby.logged('fetcher: another fetcher polls this community; standing by');
  const flow = steadyFlow(vk);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  leader.child.kill('SIGKILL');
  const killedAt = Date.now();
  const took = await standby.logged('fetcher: polling the community', 10_000);
  expect(Number(took.time) - killedAt).toBeLessThan(3000 + 1000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  flow.stop();
  await expectExactlyOnceInOrder(stream, flow.sent);
  expect((await terminate(standby)).code).toBe(0);
});

test('Redis unreachable at start: the service waits, says so in /readyz, and polls once Redis answers', async () => {
  const redis = await launchManagedRedis({ persistence: 'aof-always' });
  try {
    await stopRedisServer(redis);
    await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
    const stream = uniqueStream();
    const service = spawnService(serviceEnv(vk, stream, redis.url));
    const http = await service.http;
    await service.logged('fetcher: Redis unreachable; retrying (polling waits for it)');
    const waiting = await fetch(`${http}/readyz`);
    expect(waiting.status).toBe(503);
    expect(await waiting.json()).toMatchObject({ ready: false, redis: 'down' });
    await startRedisServer(redis);
    await service.logged('fetcher: polling the community');
    vk.user(193847562).send('after the wait');
    await until(async () => (await busEvents(stream, 4, redis.url)).length === 1);
    expect((await fetch(`${http}/readyz`)).status).toBe(200);
    expect((await terminate(service)).code).toBe(0);
  } finally {
    await destroyManagedRedis(redis);
  }
});

test('SIGTERM while Redis is down: exit 0 within 10 s, and what was not published arrives after a restart, once', async () => {
  const redis = await launchManagedRedis({ persistence: 'aof-always' });
  try {
    await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
    const stream = uniqueStream();
    // The default lease term: its renewals and release are what a stop waits on while Redis is down.
    const env = serviceEnv(vk, stream, redis.url, { LEASE_MS: '10000' });
    const service = spawnService(env);
    await service.logged('fetcher: polling the community');
    const sent = ['193847562:0'];
    vk.user(193847562).send('193847562:0');
    await until(async () => (await busEvents(stream, 4, redis.url)).length === 1);
    await stopRedisServer(redis);
    for (let n = 1; n <= 5; n++) {
      vk.user(193847562).send(`193847562:${n}`);
      sent.push(`193847562:${n}`);
    }
    // Fetched from Long Poll, waiting for Redis.
    await service.logged('redis-bridge publisher: Redis unavailable, publish calls wait');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const { code, ms } = await terminate(service);
    expect({ code, withinTenSeconds: ms < 10_000 }).toEqual({ code: 0, withinTenSeconds: true });

    await startRedisServer(redis);
    const next = spawnService(env);
    await expectExactlyOnceInOrder(stream, sent, redis.url);
    expect((await terminate(next)).code).toBe(0);
  } finally {
    await destroyManagedRedis(redis);
  }
});

test('Redis refuses the password in REDIS_URL: one fatal line naming REDIS_URL, exit 1, the password never printed', async () => {
  const redis = await launchManagedRedis({});
  try {
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.configSet('requirepass', 'the-right-password');
    await admin.close();
    await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
    const url = redis.url.replace('redis://', 'redis://:a-wrong-password@');
    const service = spawnService(serviceEnv(vk, uniqueStream(), url));
    const { code } = await service.exited;
    expect(code).toBe(1);
    const fatal = service.logs.filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.msg).toMatch(/Redis refused .*REDIS_URL/);
    expect(JSON.stringify(service.logs) + service.stderr()).not.toContain('a-wrong-password');
  } finally {
    await destroyManagedRedis(redis);
  }
});

test.each([
  ['asking VK about the token', false],
  ['starting the Long Poll (VK_GROUP_ID set)', true],
])('SIGTERM while VK does not answer (%s): exit 0 within 10 s', async (_what, groupSet) => {
  await using vk = await createSandbox({ groups: [{ id: freshGroupId() }] });
  vk.faults.apiTimeout({ times: 1000 });
  const service = spawnService({
    ...serviceEnv(vk, uniqueStream(), redisUrl()),
    ...(groupSet ? { VK_GROUP_ID: String(vk.group.id) } : {}),
  });
  await service.logged('fetcher: starting');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { code, ms } = await terminate(service);
  expect({ code, withinTenSeconds: ms < 10_000 }).toEqual({ code: 0, withinTenSeconds: true });
});
