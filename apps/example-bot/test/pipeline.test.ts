import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisUrl } from '@vkwire/testing';
import { describe, expect, test } from 'vitest';
import { cleanup } from './helpers.js';
import { type MainProcess, spawnPipeline } from './process.js';

/** The pipeline's child processes (pid and command line), as `ps` sees them. */
function childrenOf(pid: number): Array<{ pid: number; args: string }> {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are none
  }
  return out
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, id, args] = line.trim().match(/^(\d+)\s+(.*)$/) as [string, string, string];
      return { pid: Number(id), args };
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for the URL and for every child (Redis when private, the fetcher, two workers); kills what is left after the test. */
async function started(pipeline: MainProcess, children: number) {
  const [, url] = (await pipeline.printed(/Open (http:\/\/127\.0\.0\.1:\d+)/)) as [string, string];
  const pid = pipeline.child.pid as number;
  const processes = childrenOf(pid).filter((child) => !child.args.includes('esbuild'));
  // The children are in process groups of their own: a failed test must not leave them running.
  cleanup(async () => {
    for (const child of processes) if (alive(child.pid)) process.kill(child.pid, 'SIGKILL');
  });
  expect(processes).toHaveLength(children);
  return { url, processes };
}

async function send(url: string, user: number, text: string): Promise<void> {
  const response = await fetch(`${url}/_sandbox/users/${user}/send`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  expect(response.ok).toBe(true);
}

async function sent(url: string, peer: number): Promise<string[]> {
  const messages = (await (await fetch(`${url}/_sandbox/sent?peer=${peer}`)).json()) as Array<{
    text: string;
  }>;
  return messages.map((message) => message.text);
}

/** Who holds each bus partition and what is pending in it, from the pipeline's Redis (for a failure's message). */
function busState(pipeline: MainProcess): string {
  const port = pipeline.lines.join('\n').match(/redis:\/\/127\.0\.0\.1:(\d+)/)?.[1];
  if (port === undefined) return 'no Redis address printed';
  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-p', port, ...args], { encoding: 'utf8' })
      .trim()
      .replace(/\s+/g, ' ');
  const members = cli('ZRANGE', 'vkwire:events:group:example-bot:members', '0', '-1');
  const parts = Array.from({ length: 16 }, (_, n) => {
    const owner = cli('GET', `{vkwire:events:${n}}:lease:example-bot`);
    const pending = cli('XPENDING', `{vkwire:events:${n}}`, 'example-bot');
    return `${n}: ${owner || '-'} (pending ${pending.split(' ')[0] ?? '?'}, ${cli('XLEN', `{vkwire:events:${n}}`)} entries)`;
  });
  return `members ${members}; ${parts.join('; ')}`;
}

/** The users whose messages `worker` logged as handled. */
function handledBy(pipeline: MainProcess, worker: number): Set<number> {
  const users = new Set<number>();
  for (const line of pipeline.lines) {
    const match = line.match(new RegExp(`^\\[worker ${worker}\\] handled command from user (\\d+) `));
    if (match) users.add(Number(match[1]));
  }
  return users;
}

// Five node processes compile the sources with tsx at start: minutes on a busy machine.
describe('the pipeline (pnpm start:pipeline)', { timeout: 300_000 }, () => {
  test('a private Redis, the fetcher and two workers answer the users, both workers take part, and SIGINT stops every process with exit 0', async () => {
    const pipeline = spawnPipeline({ PORT: '0' });
    const { url, processes } = await started(pipeline, 4);
    expect(processes.filter((child) => child.args.startsWith('redis-server'))).toHaveLength(1);

    // New users until both workers have handled some: the second worker gets its share of the
    // partitions a few seconds after it joined (later on a busy machine).
    const users: number[] = [];
    const deadline = Date.now() + 90_000;
    while (handledBy(pipeline, 1).size === 0 || handledBy(pipeline, 2).size === 0) {
      if (Date.now() > deadline)
        throw new Error(
          `not both workers handled messages; partitions: ${busState(pipeline)}\nstderr:\n${pipeline.stderr()}\nstdout:\n${pipeline.lines.join('\n')}`,
        );
      const user = 1000 + users.length;
      users.push(user);
      await send(url, user, `/sum ${user} 1`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    // Every user got the bot's answer, whichever worker had its conversation, within seconds: a
    // partition moving to the second worker is let go of only once what the first one had read of
    // it is handled (nothing is left pending for the consumer's claimIdleMs, 30 s, to free).
    for (const user of users)
      await expect
        .poll(async () => sent(url, user), { timeout: 20_000 })
        .toEqual([`${user} + 1 = ${user + 1}`]);
    const one = handledBy(pipeline, 1);
    const two = handledBy(pipeline, 2);
    expect([...one].filter((user) => two.has(user))).toEqual([]); // a conversation is on one worker

    pipeline.child.kill('SIGINT');
    expect(await pipeline.exited).toEqual({ code: 0, signal: null });
    expect(pipeline.stderr()).toBe('');
    for (const child of processes) expect(alive(child.pid), child.args).toBe(false);
    await expect(fetch(`${url}/_sandbox`)).rejects.toThrow(); // the sandbox is closed too
  });

  test('with REDIS_URL: a worker that dies is one line, and the whole pipeline stops with exit 1', async () => {
    const pipeline = spawnPipeline({ PORT: '0', REDIS_URL: redisUrl() });
    const { processes } = await started(pipeline, 3); // no redis-server of its own
    expect(processes.some((child) => child.args.startsWith('redis-server'))).toBe(false);
    const worker = processes.find((child) => / 2$/.test(child.args) && child.args.includes('worker')) as {
      pid: number;
    };
    expect(worker).toBeDefined();

    process.kill(worker.pid, 'SIGKILL');
    expect(await pipeline.exited).toEqual({ code: 1, signal: null });
    expect(pipeline.stderr().match(/^example-bot: .*$/gm)).toEqual([
      'example-bot: worker 2 was killed by SIGKILL; stopping the pipeline',
    ]);
    for (const child of processes) expect(alive(child.pid), child.args).toBe(false);
  });

  test('neither REDIS_URL nor redis-server: one clear line, exit code 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-redis-'));
    const pipeline = spawnPipeline({ PORT: '0', PATH: empty });
    expect(await pipeline.exited).toEqual({ code: 2, signal: null });
    expect(pipeline.stderr()).toBe(
      'example-bot: no Redis: set REDIS_URL=redis://… or install redis-server (the pipeline starts a private one)\n',
    );
    expect(pipeline.lines).toEqual([]);
  });
});
