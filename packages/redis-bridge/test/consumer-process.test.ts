import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { redisUrl } from '@vkwire/testing';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { connectRedis, type RedisHandle } from '../src/connection.js';
import { deferred, messageEvent, uniqueStream, until, writeEvent } from './consumer-helpers.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/consumer-child.ts', import.meta.url));

interface Handled {
  id: string;
  peer: number;
  text: string;
  deliveries: number;
  name: string;
}

let redis: RedisHandle;
const children: ChildProcess[] = [];
beforeAll(async () => {
  redis = await connectRedis(redisUrl(), 'test');
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await redis.close();
});

function spawnConsumer(stream: string, name: string, handled: Handled[], env: Record<string, string> = {}) {
  // node itself, not the tsx wrapper, so SIGKILL hits the consumer and not a parent that leaves it orphaned
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@vkwire/source', CHILD, redisUrl(), stream, 'g', name],
    {
      cwd: PACKAGE,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    },
  );
  children.push(child);
  const ready = deferred();
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const listeners: ((h: Handled) => void)[] = [];
  lines.on('line', (line) => {
    if (line === 'ready') return ready.resolve();
    const item = JSON.parse(line) as Handled;
    handled.push(item);
    for (const listener of listeners) listener(item);
  });
  return {
    child,
    ready: ready.promise,
    onHandled: (listener: (h: Handled) => void) => listeners.push(listener),
  };
}

/** Per conversation, the texts (sequence numbers) in the order they were first handled. */
function orderViolations(handled: Handled[]): number {
  const last = new Map<number, number>();
  let violations = 0;
  for (const item of handled) {
    const seq = Number(item.text === 'hang' ? -1 : item.text);
    if (seq < 0) continue;
    if ((last.get(item.peer) ?? -1) > seq) violations += 1;
    last.set(item.peer, Math.max(seq, last.get(item.peer) ?? -1));
  }
  return violations;
}

test('two consumer processes share the partitions and keep each conversation in order', async () => {
  const stream = uniqueStream();
  const layout = { stream, partitions: 4 };
  const handled: Handled[] = [];
  const a = spawnConsumer(stream, 'a', handled);
  const b = spawnConsumer(stream, 'b', handled);
  await Promise.all([a.ready, b.ready]);
  for (let i = 0; i < 300; i++)
    await writeEvent(redis, layout, messageEvent(500 + (i % 12), String(i), `p-${i}`));
  await until(() => new Set(handled.map((h) => h.id)).size === 300, 30_000);
  expect(orderViolations(handled)).toBe(0);
  expect(new Set(handled.map((h) => h.name))).toEqual(new Set(['a', 'b']));
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  await Promise.all([once(a.child, 'exit'), once(b.child, 'exit')]);
});

test('a consumer killed -9 mid-handler: another takes its entries over, in order, the stuck one first', async () => {
  const stream = uniqueStream();
  const layout = { stream, partitions: 4 };
  const handled: Handled[] = [];
  const victim = spawnConsumer(stream, 'victim', handled, { HANG: '1' });
  await victim.ready;
  const peer = 900;
  const hung = deferred();
  victim.onHandled((h) => {
    if (h.text === 'hang') hung.resolve();
  });
  // Conversation 900: 0, hang, 2..9 — the victim hangs on "hang" with 2..9 queued behind it.
  await writeEvent(redis, layout, messageEvent(peer, '0', 'k-0'));
  await writeEvent(redis, layout, messageEvent(peer, 'hang', 'k-hang'));
  for (let i = 2; i < 10; i++) await writeEvent(redis, layout, messageEvent(peer, String(i), `k-${i}`));
  await hung.promise;
  const survivor = spawnConsumer(stream, 'survivor', handled);
  await survivor.ready;
  victim.child.kill('SIGKILL');
  await until(() => handled.filter((h) => h.name === 'survivor' && h.peer === peer).length === 9, 30_000);
  const taken = handled.filter((h) => h.name === 'survivor').map((h) => h.text);
  expect(taken).toEqual(['hang', '2', '3', '4', '5', '6', '7', '8', '9']);
  expect(handled.find((h) => h.name === 'survivor' && h.text === 'hang')?.deliveries).toBe(2);
  survivor.child.kill('SIGTERM');
  await once(survivor.child, 'exit');
});
