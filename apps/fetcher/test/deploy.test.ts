// The Docker image, proven without Docker: the Dockerfile's rules are checked as text, and its build
// steps (`pnpm ... build`, `pnpm ... deploy --prod /out`) run here into a temporary folder whose
// contents are what the image's final stage copies; that folder then serves a sandbox community with
// plain node and the image's CMD, ENV and HEALTHCHECK.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSandbox } from '@vkwire/sandbox';
import { redisUrl } from '@vkwire/testing';
import { expect, test } from 'vitest';
import { argsOf, declaredNames, envOf, execForm, parseDockerfile, type Stage } from './dockerfile.js';
import { busEvents, until } from './helpers.js';

const app = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string) => readFileSync(path, 'utf8');
const manifest = JSON.parse(read(join(app, 'package.json'))) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const rootManifest = JSON.parse(read(join(root, 'package.json'))) as {
  packageManager: string;
  devDependencies: Record<string, string>;
};
const stages = parseDockerfile(read(join(app, 'Dockerfile')));
const build = stages[0] as Stage;
const final = stages.at(-1) as Stage;
const pnpmFound = spawnSync('pnpm', ['--version'], { encoding: 'utf8' }).status === 0;

test('the Dockerfile: multi-stage, no token at build time, non-root, health-checked', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  expect(final.from).toMatch(/^node:20[\w.-]*-slim$/);
  // A token given as ARG or ENV stays in the image's history: none may even be declared.
  const secretish = /TOKEN|GROUPID|SECRET|PASSWORD|REDIS_URL/i;
  for (const stage of stages) {
    for (const step of stage.instructions) {
      for (const name of declaredNames(step))
        expect(name, `${step.keyword} ${step.args}`).not.toMatch(secretish);
      expect(`${step.keyword} ${step.args}`).not.toMatch(/TOKEN/i);
    }
  }
  const user = argsOf(final, 'USER').at(-1);
  expect(user, 'the final stage sets a USER').toBeDefined();
  expect(user?.split(':')[0]).not.toMatch(/^(root|0)$/);
  const health = argsOf(final, 'HEALTHCHECK');
  expect(health).toHaveLength(1);
  const probe = execForm(health[0] as string);
  expect(probe[0]).toBe('node');
  expect(probe.join(' ')).toContain('/healthz');
  expect(execForm(argsOf(final, 'CMD').at(-1) as string)).toEqual(['node', 'dist/main.js']);
  expect(argsOf(final, 'EXPOSE')).toEqual(['9464']);
  expect(envOf(final)).toMatchObject({ HTTP_HOST: '0.0.0.0', HTTP_PORT: '9464' });
  // The final stage holds the deployed folder and nothing built beside it.
  expect(argsOf(final, 'COPY')).toEqual(['--from=build /out /app']);
  expect(argsOf(final, 'WORKDIR')).toEqual(['/app']);
  // pnpm is the workspace's own version, and pnpm deploy finds the setting it needs.
  const pnpmVersion = rootManifest.packageManager.replace(/^pnpm@/, '').split('+')[0];
  expect(argsOf(build, 'RUN')).toContain(`npm install --global pnpm@${pnpmVersion}`);
  expect(read(join(root, 'pnpm-workspace.yaml'))).toMatch(/^injectWorkspacePackages: true$/m);
});

test('the build context leaves out installs, build output and .env files', () => {
  const ignored = read(join(root, '.dockerignore'))
    .split('\n')
    .map((line) => line.trim());
  for (const pattern of ['**/node_modules', '**/dist', '**/.env', '**/.env.*', '.git']) {
    expect(ignored).toContain(pattern);
  }
});

test('compose: Redis with AOF, the fetcher restarted always with its token from the environment, a consumer', () => {
  const compose = read(join(app, 'compose.yaml'));
  expect(compose).toContain('command: ["redis-server", "--appendonly", "yes"]');
  expect(compose).toMatch(/^ {2}fetcher:\n(?: {4}.*\n|\n)*? {4}restart: always$/m);
  expect(compose).toMatch(/^ {6}VK_TOKEN: \$\{VK_TOKEN:\?.+\}$/m);
  expect(compose).toMatch(/^ {6}REDIS_URL: redis:\/\/redis:6379$/m);
  expect(compose).toMatch(/^ {6}HTTP_HOST: 0\.0\.0\.0$/m);
  expect(compose).toMatch(/^ {6}dockerfile: apps\/fetcher\/Dockerfile$/m);
  expect(compose).toMatch(/^ {2}consumer:$/m);
  // Every file the compose file mounts is where it says.
  const mounts = [...compose.matchAll(/^\s+- (\.\.\/\.\.\/[^:]+):/gm)].map((match) => match[1] as string);
  expect(mounts.length).toBeGreaterThan(0);
  for (const mount of mounts) expect(existsSync(join(app, mount)), mount).toBe(true);
});

test('the deployed folder serves a community with plain node: events reach the bus, SIGTERM exits 0', async (context) => {
  if (!pnpmFound) context.skip('pnpm is not on PATH: the image build steps cannot run here');
  const work = mkdtempSync(join(tmpdir(), 'vkwire-fetcher-deploy-'));
  const out = join(work, 'app');
  let child: ChildProcess | undefined;
  try {
    // The Dockerfile's build and deploy steps, as written there, into `out` instead of /out.
    const steps = argsOf(build, 'RUN').filter((run) => /^pnpm .*(\brun build|\bdeploy\b)/.test(run));
    expect(steps.map((step) => step.replace(/@vkwire\/fetcher\S*/, 'F'))).toEqual([
      'pnpm --filter-prod F run build',
      'pnpm --filter F deploy --prod /out',
    ]);
    for (const step of steps) await shell(step.replace(/ \/out$/, ` ${out}`), root);

    // What the image holds: compiled code and production dependencies, no sources, no tests.
    expect(readdirSync(out).sort()).toEqual(expect.arrayContaining(['dist', 'node_modules', 'package.json']));
    expect(existsSync(join(out, 'dist/main.js'))).toBe(true);
    for (const absent of ['src', 'test', 'vitest.config.ts', 'tsconfig.json']) {
      expect(existsSync(join(out, absent)), absent).toBe(false);
    }
    const workspaceDeps = Object.keys(manifest.dependencies).filter((name) => name.startsWith('@vkwire/'));
    expect(readdirSync(join(out, 'node_modules/@vkwire')).sort()).toEqual(
      workspaceDeps.map((name) => name.slice('@vkwire/'.length)).sort(),
    );
    for (const name of workspaceDeps) {
      const files = readdirSync(join(out, 'node_modules', name));
      expect(files, name).toContain('dist');
      expect(files, name).not.toContain('src');
      expect(files, name).not.toContain('test');
    }
    const store = readdirSync(join(out, 'node_modules/.pnpm'));
    const devOnly = [...Object.keys(manifest.devDependencies), ...Object.keys(rootManifest.devDependencies)];
    for (const name of [...devOnly, 'vite']) {
      expect(existsSync(join(out, 'node_modules', name)), name).toBe(false);
      const dir = name.replace('/', '+');
      expect(
        store.filter((entry) => entry.startsWith(`${dir}@`)),
        name,
      ).toEqual([]);
    }

    // The image's CMD in its WORKDIR with its ENV and the runtime variables, and nothing inherited
    // from this test process (no source conditions, no loaders): only PATH besides.
    await using vk = await createSandbox({ groups: [{ id: 900_000_000 + randomInt(90_000_000) }] });
    const stream = `test:${randomUUID()}`;
    const [command, ...args] = execForm(argsOf(final, 'CMD').at(-1) as string) as [string, ...string[]];
    child = spawn(command, args, {
      cwd: out,
      env: {
        PATH: process.env.PATH,
        ...envOf(final),
        VK_TOKEN: vk.group.token,
        VK_API_URL: vk.url,
        REDIS_URL: redisUrl(),
        HTTP_PORT: '0',
        BUS_STREAM: stream,
        BUS_PARTITIONS: '4',
        LP_WAIT: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collect(child);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    // main logs where /healthz is served (HTTP_PORT=0 picks a free port).
    await until(() => output.lines().some((line) => line.http !== undefined), 30_000);
    const started = output.lines().find((line) => line.http !== undefined);
    expect(started?.http).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const port = new URL(String(started?.http)).port;
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
    );

    // The image's HEALTHCHECK, as written, passes against it.
    const probe = execForm(argsOf(final, 'HEALTHCHECK')[0] as string);
    expect(await exitCode(probe, { PATH: process.env.PATH, HTTP_PORT: port })).toBe(0);

    vk.user(193847562, { firstName: 'Анна', lastName: 'Смирнова', screenName: 'anna' }).send(
      'hello from the image',
    );
    await until(async () => (await busEvents(stream, 4)).length > 0, 30_000);
    const events = await busEvents(stream, 4);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_type: 'message',
      group_id: vk.group.id,
      peer: { bpid: 193847562, cid: null },
      user: { uuid: 193847562, name: 'Анна Смирнова', nick: 'anna' },
      message: { text: 'hello from the image' },
    });

    // compose's consumer (redis-bridge's Python example) reads what the deployed fetcher wrote.
    if (pythonReady()) {
      const consumer = fileURLToPath(
        new URL('../../../packages/redis-bridge/examples/consumer.py', import.meta.url),
      );
      const consumed = spawnSync('python3', [consumer, redisUrl(), stream, 'deploy-test', '1'], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(consumed.stderr).toBe('');
      expect(consumed.stdout.trim()).toBe(`message ${events[0]?.event_id} ${vk.group.id}`);
    }

    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output.lines().some((line) => line.msg === 'fetcher: stopped')).toBe(true);
    expect(output.text()).not.toContain(vk.group.token);
    // Stopped, the same probe fails: it can tell.
    expect(await exitCode(probe, { PATH: process.env.PATH, HTTP_PORT: port })).not.toBe(0);
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}, 300_000);

/** Runs `command` in a shell in `cwd`; rejects with its output when it fails. */
async function shell(command: string, cwd: string): Promise<void> {
  const run = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(run);
  const [code] = (await once(run, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`\`${command}\` exited with ${code}:\n${output.text()}`);
}

/** The exit code of `argv` run with exactly `env`. */
async function exitCode(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const [command, ...args] = argv as [string, ...string[]];
  const run = spawn(command, args, { env, stdio: 'ignore' });
  const [code] = (await once(run, 'exit')) as [number | null];
  return code;
}

/** Everything a child writes, as text and as the JSON lines among it. */
function collect(child: ChildProcess): { text: () => string; lines: () => Record<string, unknown>[] } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return {
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
  };
}

/** Whether python3 with redis-py and jsonschema (the consumer's needs) is here. */
function pythonReady(): boolean {
  return spawnSync('python3', ['-c', 'import redis, jsonschema'], { encoding: 'utf8' }).status === 0;
}
