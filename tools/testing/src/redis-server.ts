/**
 * Starting, stopping and restarting a private, throwaway `redis-server` for tests.
 *
 * The server runs daemonized with a pidfile in its own temporary directory. That makes it
 * reachable from every process of a test run: the vitest main process starts it in globalSetup
 * and removes it in teardown, while a test worker can stop and start the very same server (same
 * port, same options) to exercise reconnects. All state lives in the directory, described by a
 * plain {@link ManagedRedisServer} object that vitest hands to the workers.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isPortAccepting, pingRedis, type RedisTarget, shutdownRedis } from './resp.js';

/** A `redis-server` started by this package, which tests may stop, start and restart. */
export interface ManagedRedisServer {
  /** This package owns the server: stop, start and restart are available. */
  managed: true;
  /** `redis://127.0.0.1:PORT`. */
  url: string;
  /** Always the loopback address: the server must not be reachable from elsewhere. */
  host: string;
  /** The TCP port; it stays the same across restarts so clients can reconnect. */
  port: number;
  /** The server's private directory: config, pidfile and log; removed at teardown. */
  dir: string;
  /** `redis.conf` in {@link dir}; every start uses it, so restarts keep the same options. */
  configFile: string;
  /** `redis.pid` in {@link dir}, written by the server once it listens and removed as it exits. */
  pidFile: string;
  /** `redis.log` in {@link dir}; quoted in errors when the server does not come up. */
  logFile: string;
  /** The `redis-server` executable, so restarts use the same binary. */
  command: string;
}

/** A Redis server given by `REDIS_URL`, which tests may use and flush but never stop. */
export interface ExternalRedisServer {
  /** Someone else owns the server: stop, start and restart are unavailable. */
  managed: false;
  /** The value of `REDIS_URL`. */
  url: string;
}

/** The Redis server of a test run, as the globalSetup provides it to tests. */
export type TestRedisServer = ManagedRedisServer | ExternalRedisServer;

/** The key under which the globalSetup provides the {@link TestRedisServer}. */
export const REDIS_CONTEXT_KEY = 'vkwireRedis';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis server of this test run, provided by `@vkwire/testing/redis-global-setup`. */
    vkwireRedis: TestRedisServer;
  }
}

/** `redis-server` is not installed (or not on `PATH`). */
export class RedisServerNotFoundError extends Error {
  override name = 'RedisServerNotFoundError';
}

/** Options for starting a managed server. */
export interface RedisStartOptions {
  /** How long the server may take to answer PING, in milliseconds. @default 10000 */
  timeoutMs?: number;
}

/**
 * What a managed server keeps across a restart: `'none'` (nothing: a restart empties it) or
 * `'aof-always'` (AOF with `appendfsync always`: every write Redis acknowledged is on disk before
 * the reply, so it survives a stop and start, as a bus's publisher relies on).
 */
export type RedisPersistence = 'none' | 'aof-always';

/** Options for {@link launchManagedRedis}. */
export interface LaunchManagedRedisOptions extends RedisStartOptions {
  /** The executable to run. @default 'redis-server' */
  command?: string;
  /** What survives a restart. @default 'none' */
  persistence?: RedisPersistence;
}

/** Options for stopping a managed server. */
export interface RedisStopOptions {
  /** How long the server may take to exit before it is killed, in milliseconds. @default 5000 */
  timeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/** How often to look for a state change that has no event (another process listening or exiting). */
const POLL_INTERVAL_MS = 10;
/** Attempts at finding a free port: another process may take the probed port before redis binds it. */
const PORT_ATTEMPTS = 5;

/** The server failed to bind its port (someone took it between probing and binding). */
class PortTakenError extends Error {
  override name = 'PortTakenError';
}

/**
 * Starts a new private `redis-server` on a free loopback port in a new temporary directory:
 * no persistence unless `persistence` asks for AOF, daemonized, answering PING when this resolves. The caller owns it and must
 * call {@link destroyManagedRedis} (the globalSetup does so in its teardown).
 */
export async function launchManagedRedis(
  options: LaunchManagedRedisOptions = {},
): Promise<ManagedRedisServer> {
  const command = options.command ?? 'redis-server';
  // realpath: the server reports its working directory resolved, and ownership checks compare them.
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'vkwire-redis-')));
  try {
    for (let attempt = 1; ; attempt++) {
      const server = describeServer(dir, await findFreePort(), command);
      await writeFile(server.configFile, configText(server, options.persistence ?? 'none'));
      try {
        await startRedisServer(server, options);
        return server;
      } catch (error) {
        if (error instanceof PortTakenError && attempt < PORT_ATTEMPTS) continue;
        throw error;
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Stops the server (if it runs) and removes its directory. */
export async function destroyManagedRedis(
  server: ManagedRedisServer,
  options: RedisStopOptions = {},
): Promise<void> {
  try {
    await stopRedisServer(server, options);
  } finally {
    await rm(server.dir, { recursive: true, force: true });
  }
}

/**
 * Starts the server again from its config file: same port, same options, empty data (unless it
 * runs with AOF: then what it acknowledged before). Resolves
 * when it answers PING; does nothing but wait for PING if it already runs. On failure nothing of
 * it is left running.
 */
export async function startRedisServer(
  server: ManagedRedisServer,
  options: RedisStartOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const target = targetOf(server);
  if ((await runningPid(server)) !== undefined) {
    await waitUntil(
      () => pingRedis(target, { timeoutMs: 500 }),
      timeoutMs,
      () => `${server.url} runs but does not answer PING`,
    );
    return;
  }
  const logOffset = await fileSize(server.logFile);
  // The foreground process exits as soon as the daemon has forked; the daemon reports problems in
  // its log only, so the wait below reads the log to fail fast instead of running into the timeout.
  await runForeground(server.command, [server.configFile], timeoutMs);
  try {
    await waitUntil(
      async () => {
        if ((await runningPid(server)) !== undefined && (await pingRedis(target, { timeoutMs: 500 })))
          return true;
        const log = await readLogSince(server.logFile, logOffset);
        if (/Failed listening on port|Address already in use/.test(log)) {
          throw new PortTakenError(`port ${server.port} is taken:\n${log}`);
        }
        if (/aborting|exiting|FATAL/i.test(log)) throw new Error(`redis-server failed to start:\n${log}`);
        return false;
      },
      timeoutMs,
      async () =>
        `redis-server did not answer PING on ${server.url}; its log:\n${await readLogSince(server.logFile, logOffset)}`,
    );
  } catch (error) {
    // A daemon that came up too slowly or half-way must not outlive the failed start. Not after a
    // taken port, though: the pidfile may then belong to whoever holds the port, maybe our server.
    if (!(error instanceof PortTakenError)) await stopRedisServer(server).catch(() => undefined);
    throw error;
  }
}

/**
 * Stops the server: SHUTDOWN NOSAVE, then SIGTERM, then SIGKILL, each only if the previous did not
 * work in time. Resolves when the process has exited and the port refuses connections; does
 * nothing if the server is not running.
 */
export async function stopRedisServer(
  server: ManagedRedisServer,
  options: RedisStopOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const pid = await runningPid(server);
  if (pid === undefined) return;
  try {
    await shutdownRedis(targetOf(server), { timeoutMs });
  } catch {
    // A server too busy or broken to take SHUTDOWN still takes a signal; on SIGTERM redis shuts
    // down the same way, and with no save points configured it writes nothing.
    signal(pid, 'SIGTERM');
  }
  const exited = () => !isOurProcess(pid, server.dir);
  try {
    await waitUntil(exited, timeoutMs, () => `redis-server (pid ${pid}) did not exit`);
  } catch {
    signal(pid, 'SIGKILL');
    await waitUntil(exited, timeoutMs, () => `redis-server (pid ${pid}) survived SIGKILL`);
  }
  await waitUntil(
    async () => !(await isPortAccepting(server.host, server.port)),
    timeoutMs,
    () => `port ${server.port} still accepts connections after redis-server (pid ${pid}) exited`,
  );
}

/**
 * Kills the server and removes its directory synchronously, for a process `exit` handler: when
 * vitest is interrupted it exits without running globalSetup teardowns, and a daemon would
 * otherwise outlive it.
 */
export function killManagedRedisSync(server: ManagedRedisServer): void {
  try {
    const pid = Number(readFileSync(server.pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isOurProcess(pid, server.dir)) signal(pid, 'SIGKILL');
  } catch {
    // No pidfile: the server is not running.
  }
  rmSync(server.dir, { recursive: true, force: true });
}

/** The pid of the server if it is running, from its pidfile, checked to be the same process. */
async function runningPid(server: ManagedRedisServer): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(server.pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && isOurProcess(pid, server.dir) ? pid : undefined;
}

/**
 * Whether `pid` is alive and is the redis-server of `dir`. A pidfile goes stale when a server is
 * killed, and its pid may be reused; redis-server runs with `dir` as its working directory, which
 * on Linux identifies it. The same check treats a zombie (no working directory) as gone, which
 * matters because the daemon's parent is init, and not every container's init reaps promptly.
 */
function isOurProcess(pid: number, dir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux') return true;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dir;
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring a process that is already gone. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already exited.
  }
}

function targetOf(server: ManagedRedisServer): RedisTarget {
  return { host: server.host, port: server.port };
}

function describeServer(dir: string, port: number, command: string): ManagedRedisServer {
  const host = '127.0.0.1';
  return {
    managed: true,
    url: `redis://${host}:${port}`,
    host,
    port,
    dir,
    configFile: join(dir, 'redis.conf'),
    pidFile: join(dir, 'redis.pid'),
    logFile: join(dir, 'redis.log'),
    command,
  };
}

/**
 * The server's options, as a config file rather than arguments so that a restart from any
 * process uses exactly the same ones, and a person can rerun them by hand.
 */
function configText(server: ManagedRedisServer, persistence: RedisPersistence): string {
  return [
    `port ${server.port}`,
    `bind ${server.host}`,
    // No snapshots. Without AOF test data is throwaway: nothing survives a restart, nothing is
    // written to disk; with it, what Redis acknowledged was fsynced first and survives.
    'save ""',
    ...(persistence === 'aof-always' ? ['appendonly yes', 'appendfsync always'] : ['appendonly no']),
    `dir ${quote(server.dir)}`,
    // Daemonized, the server is nobody's child: any test worker can stop and restart it.
    'daemonize yes',
    `pidfile ${quote(server.pidFile)}`,
    `logfile ${quote(server.logFile)}`,
    '',
  ].join('\n');
}

/** A double-quoted redis.conf string. */
function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A port that was free on the loopback address a moment ago: bound with port 0, then released.
 * Another process may take it before redis binds it; {@link launchManagedRedis} retries then.
 */
async function findFreePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Runs a short-lived command to completion; rejects on a non-zero exit, with its output. */
function runForeground(command: string, args: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new RedisServerNotFoundError(
              `${command} not found on PATH: install Debian's redis-server package ` +
                '(apt-get install redis-server), or set REDIS_URL to a Redis server the tests may flush',
              { cause: error },
            )
          : error,
      );
    });
    // 'close', not 'exit': the output is complete only once the pipes close, which they do as the
    // daemon, having forked, points its stdio at /dev/null.
    child.once('close', (code, signalName) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const text = Buffer.concat(output).toString('utf8').trim();
        reject(new Error(`${command} ${args.join(' ')} exited with ${code ?? signalName}:\n${text}`));
      }
    });
  });
}

/**
 * Resolves once `condition` holds, checking every {@link POLL_INTERVAL_MS}. Only for state
 * changes that no event reports: another process exiting, or starting to listen.
 */
async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string | Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= deadline) throw new Error(`${await describe()} (waited ${timeoutMs} ms)`);
    await delay(POLL_INTERVAL_MS);
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** The log written since `offset`: what the current start attempt wrote. */
async function readLogSince(path: string, offset: number): Promise<string> {
  try {
    return (await readFile(path)).subarray(offset).toString('utf8').trim();
  } catch {
    return '(no log written)';
  }
}
