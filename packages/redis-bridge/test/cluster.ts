/**
 * A 3-master Redis Cluster on loopback for tests: three `redis-server --cluster-enabled yes` in a
 * temporary directory, joined by `redis-cli --cluster create`, ready once every node reports
 * `cluster_state:ok`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pingRedis, sendRedisCommand } from '@vkwire/testing';

/** A running cluster: the URLs of its masters, and `stop()` (kills them, removes their files). */
export interface TestCluster {
  readonly urls: readonly string[];
  stop(): Promise<void>;
}

/** Why cluster tests must skip on this machine, or undefined when they can run. */
export function clusterUnavailable(): string | undefined {
  for (const command of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
    if (probe.error)
      return `${command} not found on PATH: the Redis Cluster tests need it (apt-get install redis-server)`;
  }
  return undefined;
}

/** Starts three masters on free loopback ports and joins them into one cluster. */
export async function startCluster(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'vkwire-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let node = 0; node < 3; node++) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(busPort),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--dir',
          dir,
          '--dbfilename',
          `dump-${port}.rdb`,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    }
    await Promise.all(
      ports.map((port) => until(() => pingRedis({ host: '127.0.0.1', port }), `port ${port} answers PING`)),
    );
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    await Promise.all(
      ports.map((port) =>
        until(async () => {
          const info = await sendRedisCommand({ host: '127.0.0.1', port }, ['CLUSTER', 'INFO']);
          return typeof info === 'string' && info.includes('cluster_state:ok');
        }, `node ${port} reports cluster_state:ok`),
      ),
    );
    return { urls: ports.map((port) => `redis://127.0.0.1:${port}`), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Checks `condition` every 20 ms (nothing announces these states) for up to 10 s. */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`cluster: waited 10 s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
