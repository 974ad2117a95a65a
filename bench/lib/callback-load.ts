// The Callback API load of the callback benchmarks: the 585-byte message_new body, wrk (its Lua
// script giving every request a fresh event_id, its output parsed) and a hono app served on
// @hono/node-server as hono's docs run it on Node.
import { execFile } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** The community every benchmark request belongs to. */
export const GROUP_ID = 218734561;
/** Its callback secret (every body carries it). */
export const SECRET = 's3cr3t_Bodroe_2025';
/** Its confirmation code. */
export const CONFIRMATION = '5f3e9a1c';
/** Size of every request body. */
export const BODY_BYTES = 585;

/** What one wrk run measured. */
export interface WrkResult {
  requestsPerSecond: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** A message_new body of exactly {@link BODY_BYTES} bytes around a 40-hex event_id placeholder. */
export function bodyParts(): { head: string; tail: string } {
  const head = `{"group_id":${GROUP_ID},"type":"message_new","event_id":"`;
  const tailFor = (text: string) =>
    `","v":"5.199","object":{"message":{"date":1748761325,"from_id":193847562,"id":1842,"out":0,"version":10004217,"attachments":[],"conversation_message_id":1203,"fwd_messages":[],"important":false,"is_hidden":false,"peer_id":193847562,"random_id":0,"text":"${text}"},"client_info":{"button_actions":["text","vkpay","open_app","location","open_link","callback"],"keyboard":true,"inline_keyboard":true,"carousel":true,"lang_id":0}},"secret":"${SECRET}"}`;
  const fixed = Buffer.byteLength(head) + 40 + Buffer.byteLength(tailFor(''));
  return { head, tail: tailFor('x'.repeat(BODY_BYTES - fixed)) };
}

/** A hono app on @hono/node-server, as hono's docs run it on Node; `url` is its `/callback`. */
export async function serveHono(app: Hono): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Writes wrk's Lua script (POSTs of the body, a fresh event_id per request: a random per-run
 * prefix and a counter, for one wrk thread); `remove()` deletes it.
 */
export function writeLuaScript(name: string): { path: string; remove: () => void } {
  const { head, tail } = bodyParts();
  const path = join(tmpdir(), `vkwire-${name}-${process.pid}.lua`);
  writeFileSync(
    path,
    `math.randomseed(os.time())
local prefix = string.format("%08x", math.random(0, 0x7fffffff))
local counter = 0
local head = ${JSON.stringify(head)}
local tail = ${JSON.stringify(tail)}
local headers = { ["Content-Type"] = "application/json" }
request = function()
  counter = counter + 1
  return wrk.format("POST", nil, headers, head .. prefix .. string.format("%032x", counter) .. tail)
end
`,
  );
  return { path, remove: () => unlinkSync(path) };
}

/** The figures of wrk's `--latency` output. */
export function parseWrk(output: string): WrkResult {
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (!rate || !p99 || !total) throw new Error(`unexpected wrk output:\n${output}`);
  const scale = p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1;
  return {
    requestsPerSecond: Number(rate[1]),
    p99Ms: Number(p99[1]) * scale,
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: errors ? errors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0,
  };
}

const execFileAsync = promisify(execFile);

/** Runs /usr/bin/wrk (1 thread) against `url` for `seconds` with the script at `script`. */
export async function wrk(
  url: string,
  seconds: number,
  connections: number,
  script: string,
): Promise<WrkResult> {
  const { stdout } = await execFileAsync('/usr/bin/wrk', [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    '-s',
    script,
    url,
  ]);
  return parseWrk(stdout);
}
