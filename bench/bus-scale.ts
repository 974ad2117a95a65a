// bus-scale: a backlog of 50,000 events over 1,000 conversations and 16 partitions, drained (handler →
// ack) by 1, 2 and 4 consumer processes (concurrency 8 each, a 5 ms I/O-bound handler). Prints the
// drain rate of each, the 1→4 speed-up, and per-conversation order violations (checked in Redis at
// every handler start, across processes). Needs redis-server on PATH, or REDIS_URL (it is flushed).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@vkwire/core';
import { normalizeSync, parseUpdate, serializeEvent } from '@vkwire/events-schema';
import {
  connectRedis,
  createConsumer,
  partitionKey,
  partitionOf,
  type RedisHandle,
  RedisScript,
} from '@vkwire/redis-bridge';

const EVENTS = 50_000;
const CONVERSATIONS = 1_000;
const PARTITIONS = 16;
const CONCURRENCY = 8;
const HANDLER_MS = 5;
const GROUP = 'bench';

// At a handler's start: a sequence number lower than the last one seen for its conversation is an
// order violation (equal: a redelivery).
const CHECK = new RedisScript(`
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
local seq = tonumber(ARGV[2])
redis.call('INCR', KEYS[3])
if seq < last then redis.call('INCR', KEYS[2]) return 1 end
redis.call('HSET', KEYS[1], ARGV[1], seq)
return 0`);

async function child(url: string, stream: string): Promise<void> {
  const checker = await connectRedis(url, 'bench');
  const consumer = createConsumer({
    redis: url,
    stream,
    partitions: PARTITIONS,
    group: GROUP,
    concurrency: CONCURRENCY,
    leaseMs: 1500,
    blockMs: 200,
    logger: silentLogger,
    handler: async (event) => {
      const peer = event.peer?.bpid ?? 0;
      const seq = 'message' in event ? Number(event.message.text) : 0;
      await checker.script(CHECK, ['{check}:last', '{check}:violations', '{check}:handled'], [peer, seq]);
      await new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
    },
  });
  process.stdout.write('ready\n');
  const input = createInterface({ input: process.stdin });
  for await (const line of input) {
    if (line === 'go') await consumer.start();
    if (line === 'stop') {
      await consumer.stop();
      await checker.close();
      process.exit(0);
    }
  }
  // The parent went away: do not linger.
  process.exit(1);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => {} };
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const output = createInterface({ input: server.stdout as NodeJS.ReadableStream });
  for await (const line of output) if (line.includes('Ready to accept connections')) break;
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

function eventJson(conversation: number, seq: number, index: number): { data: string; peer: number } {
  const peer = 2_000_000 + conversation;
  const update = parseUpdate({
    type: 'message_new',
    group_id: 218734561,
    event_id: `bench-${index}`,
    v: '5.199',
    object: {
      message: {
        id: index + 1,
        date: 1_700_000_000,
        peer_id: peer,
        from_id: peer,
        text: String(seq),
        conversation_message_id: seq + 1,
        out: 0,
        attachments: [],
        fwd_messages: [],
      },
      client_info: {
        button_actions: ['text'],
        keyboard: true,
        inline_keyboard: true,
        carousel: true,
        lang_id: 0,
      },
    },
  });
  return { data: serializeEvent(normalizeSync(update)), peer };
}

async function fill(redis: RedisHandle, stream: string): Promise<void> {
  const layout = { stream, partitions: PARTITIONS };
  const seqs = new Array<number>(CONVERSATIONS).fill(0);
  for (let start = 0; start < EVENTS; start += 1000) {
    const batch: Promise<unknown>[] = [];
    for (let index = start; index < Math.min(EVENTS, start + 1000); index++) {
      const conversation = (index * 7919) % CONVERSATIONS;
      const seq = seqs[conversation] ?? 0;
      seqs[conversation] = seq + 1;
      const { data, peer } = eventJson(conversation, seq, index);
      const key = partitionKey(
        layout,
        partitionOf(
          { group_id: 218734561, peer: { bpid: peer, cid: null, name: null }, user: null } as never,
          PARTITIONS,
        ),
      );
      batch.push(
        redis.run(key, [
          'XADD',
          key,
          '*',
          'data',
          data,
          'event_id',
          `bench-${index}`,
          'event_type',
          'message',
          'peer',
          peer,
          'v',
          1,
        ]),
      );
    }
    await Promise.all(batch);
  }
}

async function run(
  url: string,
  processes: number,
): Promise<{ processes: number; seconds: number; rate: number; violations: number }> {
  const redis = await connectRedis(url, 'bench');
  await redis.run(undefined, ['FLUSHALL']);
  const stream = `bench:${processes}`;
  await fill(redis, stream);
  const self = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  const readies: Promise<unknown>[] = [];
  for (let i = 0; i < processes; i++) {
    const worker = spawn(process.execPath, [...process.execArgv, self, 'child', url, stream], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(worker);
    const lines = createInterface({ input: worker.stdout as NodeJS.ReadableStream });
    readies.push(new Promise<void>((resolve) => lines.once('line', () => resolve())));
  }
  await Promise.all(readies);
  const started = performance.now();
  for (const worker of children) worker.stdin?.write('go\n');
  // Drained: every event handled and acked (nothing pending in any partition).
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const handled = Number(await redis.run('{check}:handled', ['GET', '{check}:handled']));
    if (handled < EVENTS) continue;
    let pending = 0;
    for (let n = 0; n < PARTITIONS; n++) {
      const key = partitionKey({ stream, partitions: PARTITIONS }, n);
      pending += Number(((await redis.run(key, ['XPENDING', key, GROUP])) as unknown[])[0]);
    }
    if (pending === 0) break;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const worker of children) worker.stdin?.write('stop\n');
  await Promise.all(children.map((worker) => once(worker, 'exit')));
  const violations = Number(await redis.run('{check}:violations', ['GET', '{check}:violations']));
  await redis.close();
  return { processes, seconds, rate: EVENTS / seconds, violations };
}

async function main(): Promise<void> {
  const server = await startRedis();
  try {
    const rows = [];
    for (const processes of [1, 2, 4]) rows.push(await run(server.url, processes));
    const speedup = (rows[2]?.rate ?? 0) / (rows[0]?.rate ?? 1);
    const violations = rows.reduce((sum, row) => sum + row.violations, 0);
    console.log(
      JSON.stringify({
        bench: 'bus-scale',
        events: EVENTS,
        conversations: CONVERSATIONS,
        partitions: PARTITIONS,
        concurrency: CONCURRENCY,
        handlerMs: HANDLER_MS,
        rows: rows.map((row) => ({
          ...row,
          seconds: Number(row.seconds.toFixed(2)),
          rate: Math.round(row.rate),
        })),
        speedup1to4: Number(speedup.toFixed(2)),
        violations,
      }),
    );
    console.log(
      `bus-scale: ${rows.map((row) => `${row.processes} proc ${Math.round(row.rate)} ev/s`).join(', ')}; 1→4 ×${speedup.toFixed(2)} (goal ≥ 3.5); order violations ${violations}`,
    );
  } finally {
    await server.stop();
  }
}

if (process.argv[2] === 'child') await child(process.argv[3] as string, process.argv[4] as string);
else await main();
