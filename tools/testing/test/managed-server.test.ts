// Private servers of their own (never the run's shared one): their whole life cycle, failures
// included, and the globalSetup itself called directly.

import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { TestProject } from 'vitest/node';
import {
  destroyManagedRedis,
  isPortAccepting,
  launchManagedRedis,
  type ManagedRedisServer,
  pingRedis,
  RedisServerNotFoundError,
  startRedisServer,
  stopRedisServer,
  type TestRedisServer,
} from '../src/index.js';
import setup from '../src/redis-global-setup.js';
import { killManagedRedisSync } from '../src/redis-server.js';

/**
 * Whether a process is alive. A zombie counts as dead: the daemon's parent is init, which in some
 * containers reaps late.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  return state !== 'Z';
}

function pidOf(server: ManagedRedisServer): number {
  return Number(readFileSync(server.pidFile, 'utf8').trim());
}

// Each test's servers get a fresh TMPDIR (os.tmpdir() reads it on every call), so that "nothing is
// left behind" can be checked exactly even while other vitest runs use the real temp directory.
const originalTmpdir = process.env.TMPDIR;
let scratch: string;
const launched: ManagedRedisServer[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'vkwire-testing-'));
});
afterEach(async () => {
  // Owners of whatever a failed test left running.
  for (const server of launched.splice(0)) await destroyManagedRedis(server);
  process.env.TMPDIR = originalTmpdir;
  if (originalTmpdir === undefined) delete process.env.TMPDIR;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh, empty TMPDIR for this test. */
async function isolateTmpdir(): Promise<string> {
  const dir = await mkdtemp(join(scratch, 'tmp-'));
  process.env.TMPDIR = dir;
  return dir;
}

async function launch(): Promise<ManagedRedisServer> {
  const server = await launchManagedRedis();
  launched.push(server);
  return server;
}

describe('a managed redis-server', () => {
  test('launches on a free loopback port and is destroyed without a trace', async () => {
    const tmp = await isolateTmpdir();
    const server = await launch();
    const pid = pidOf(server);
    expect(await pingRedis(server.url)).toBe(true);
    expect(server.dir.startsWith(tmp)).toBe(true);

    await destroyManagedRedis(server);

    expect(alive(pid)).toBe(false);
    expect(await isPortAccepting(server.host, server.port)).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  });

  test('two servers are independent', async () => {
    const [a, b] = await Promise.all([launch(), launch()]);
    if (a === undefined || b === undefined) throw new Error('unreachable');
    expect(a.port).not.toBe(b.port);
    await stopRedisServer(a);
    expect(await pingRedis(a.url)).toBe(false);
    expect(await pingRedis(b.url)).toBe(true);
  });

  test('a restart keeps the port and gets a new process', async () => {
    const server = await launch();
    const before = pidOf(server);
    await stopRedisServer(server);
    expect(existsSync(server.pidFile)).toBe(false);
    await startRedisServer(server);
    expect(pidOf(server)).not.toBe(before);
    expect(await pingRedis(server.url)).toBe(true);
  });

  test('a missing redis-server names the fix and leaves no directory', async () => {
    const tmp = await isolateTmpdir();
    const launching = launchManagedRedis({ command: 'vkwire-no-such-redis-server' });
    await expect(launching).rejects.toThrow(RedisServerNotFoundError);
    await expect(launching).rejects.toThrow(/install Debian's redis-server .*or set REDIS_URL/);
    expect(await readdir(tmp)).toEqual([]);
  });

  test('a start whose port was taken fails clearly and leaves nothing running', async () => {
    const server = await launch();
    await stopRedisServer(server);
    const squatter = createServer();
    squatter.listen(server.port, server.host);
    await once(squatter, 'listening');
    try {
      await expect(startRedisServer(server)).rejects.toThrow(`port ${server.port} is taken`);
      expect(existsSync(server.pidFile)).toBe(false);
    } finally {
      squatter.close();
      await once(squatter, 'close');
    }
    await startRedisServer(server);
    expect(await pingRedis(server.url)).toBe(true);
  });

  test('the exit hook kills the daemon and removes its directory synchronously', async () => {
    const server = await launch();
    const pid = pidOf(server);

    killManagedRedisSync(server);

    expect(existsSync(server.dir)).toBe(false);
    // SIGKILL takes effect asynchronously, and no event reports a non-child's death. The port is
    // released only when the last of redis's threads has exited, which can be after the main one.
    await vi.waitFor(async () => {
      expect(alive(pid)).toBe(false);
      expect(await isPortAccepting(server.host, server.port)).toBe(false);
    });
  });
});

describe('the globalSetup', () => {
  /** A stand-in for vitest's TestProject that records what is provided. */
  function fakeProject(): { project: TestProject; provided: Map<string, unknown> } {
    const provided = new Map<string, unknown>();
    const project = { provide: (key: string, value: unknown) => provided.set(key, value) };
    return { project: project as unknown as TestProject, provided };
  }

  const originalUrl = process.env.REDIS_URL;
  afterEach(() => {
    process.env.REDIS_URL = originalUrl;
    if (originalUrl === undefined) delete process.env.REDIS_URL;
  });

  test('without REDIS_URL it provides a managed server and its teardown removes it', async () => {
    delete process.env.REDIS_URL;
    const tmp = await isolateTmpdir();
    const { project, provided } = fakeProject();

    const teardown = await setup(project);
    const server = provided.get('vkwireRedis') as TestRedisServer;
    if (!server.managed) throw new Error('expected a managed server');
    launched.push(server);
    expect(await pingRedis(server.url)).toBe(true);
    const pid = pidOf(server);

    await teardown();

    expect(alive(pid)).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
  });

  test('with REDIS_URL it checks that server and provides it as external; teardown leaves it alone', async () => {
    const external = await launch();
    process.env.REDIS_URL = external.url;
    const { project, provided } = fakeProject();

    const teardown = await setup(project);
    expect(provided.get('vkwireRedis')).toEqual({ managed: false, url: external.url });
    await teardown();

    expect(await pingRedis(external.url)).toBe(true);
  });

  test('a REDIS_URL that does not answer fails the run up front, without showing the password', async () => {
    const server = await launch();
    await stopRedisServer(server);
    process.env.REDIS_URL = `redis://:hunter2@127.0.0.1:${server.port}`;
    const { project, provided } = fakeProject();

    const failing = setup(project);
    await expect(failing).rejects.toThrow(
      `REDIS_URL=redis://:***@127.0.0.1:${server.port} does not answer PING`,
    );
    await expect(failing).rejects.not.toThrow(/hunter2/);
    expect(provided.size).toBe(0);
  });
});
