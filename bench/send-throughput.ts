/**
 * messages.send throughput at VK's 20 requests/s: 5000 sends issued at once, vkwire and vk-io
 * (apiMode parallel, apiLimit 20) against the same sandbox (its own process) in the same run.
 * Then 1000 concurrent sends to one user with each client: how many distinct messages arrive.
 *
 * `--vk-like` runs the sandbox in its VK-like benchmark mode and sends to 1000 users (who wrote
 * first) instead of 100.
 *
 *   pnpm --filter @vkwire/bench send-throughput [--calls 5000] [--vk-like]
 */
import http from 'node:http';
import type https from 'node:https';
import { parseArgs } from 'node:util';
import { MemoryRateLimiter, VkApi } from '@vkwire/api-client';
import { getRandomId, VK } from 'vk-io';
import { control, type SandboxProcess, startSandboxProcess } from './lib/sandbox-process.ts';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '5000' }, 'vk-like': { type: 'boolean', default: false } },
});
const CALLS = Number(values.calls);
const VK_LIKE = values['vk-like'];
const USERS = VK_LIKE ? 1000 : 100;

interface SentMessage {
  id: number;
  text: string;
  peerId: number;
}

type Send = (peerId: number, text: string) => Promise<number>;

async function sentMessages(sandbox: SandboxProcess): Promise<SentMessage[]> {
  return (await (await fetch(`${sandbox.url}/_sandbox/sent`)).json()) as SentMessage[];
}

async function rateLimited(sandbox: SandboxProcess): Promise<number> {
  return ((await (await fetch(`${sandbox.url}/_sandbox/stats`)).json()) as { rateLimited: number })
    .rateLimited;
}

/** Issues `count` sends at once and checks that each caller got the id of its own message. */
async function run(
  sandbox: SandboxProcess,
  name: string,
  send: Send,
  count: number,
  peers: (index: number) => number,
) {
  const before = (await sentMessages(sandbox)).length;
  const limitedBefore = await rateLimited(sandbox);
  const tag = `${name}-${Date.now()}`;
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, (_, index) => send(peers(index), `${tag} #${index}`)),
  );
  const seconds = (performance.now() - started) / 1000;
  const sent = (await sentMessages(sandbox)).slice(before);
  const byText = new Map(sent.map((message) => [message.text, message]));
  let correct = 0;
  let failed = 0;
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'rejected') failed += 1;
    else if (byText.get(`${tag} #${index}`)?.id === outcome.value) correct += 1;
  });
  return {
    client: name,
    calls: count,
    seconds: Number(seconds.toFixed(2)),
    callsPerSecond: Math.round(count / seconds),
    arrived: sent.length,
    distinctArrived: new Set(sent.map((message) => message.text)).size,
    correctResults: correct,
    failedCalls: failed,
    error6: (await rateLimited(sandbox)) - limitedBefore,
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sandbox = await startSandboxProcess(VK_LIKE ? ['--vk-like'] : []);
const agent = new http.Agent({ keepAlive: true });
try {
  // Users write first, so that the community may answer them.
  for (let user = 1; user <= USERS; user += 1) await control(sandbox, `/users/${user}/send`, { text: 'hi' });

  const vkwire = new VkApi({
    token: sandbox.token,
    baseUrl: sandbox.apiUrl,
    rateLimiter: new MemoryRateLimiter(),
  });
  await vkwire.tokenInfo();
  const vkio = new VK({
    token: sandbox.token,
    apiBaseUrl: sandbox.apiUrl,
    apiMode: 'parallel',
    apiLimit: 20,
    // vk-io types the agent as https.Agent but needs an http one for a plain-http URL.
    agent: agent as unknown as https.Agent,
  });
  const sendVkwire: Send = (peerId, text) => vkwire.messages.send({ peer_id: peerId, message: text });
  // vk-io types messages.send as the peer_ids answer; with peer_id VK answers the message id.
  const sendVkio: Send = async (peerId, text) =>
    (await vkio.api.messages.send({
      peer_id: peerId,
      message: text,
      random_id: getRandomId(),
    })) as unknown as number;

  const results = [];
  for (const [name, send] of [
    ['vkwire', sendVkwire],
    ['vk-io', sendVkio],
  ] as const) {
    await pause(1500); // a fresh rate-limit window for each client
    results.push({
      scenario: 'throughput',
      ...(await run(sandbox, name, send, CALLS, (index) => (index % USERS) + 1)),
    });
  }
  for (const [name, send] of [
    ['vkwire', sendVkwire],
    ['vk-io', sendVkio],
  ] as const) {
    await pause(1500);
    results.push({ scenario: 'one-user', ...(await run(sandbox, name, send, 1000, () => 1)) });
  }
  await vkwire.close();
  for (const result of results) console.log(JSON.stringify({ ...result, vkLike: VK_LIKE, users: USERS }));
  const [ours, theirs, oursOne, theirsOne] = results;
  console.log(
    `send-throughput: vkwire ${ours?.callsPerSecond} calls/s (${ours?.error6} error-6, ${ours?.correctResults}/${CALLS} correct results), ` +
      `vk-io ${theirs?.callsPerSecond} calls/s (${theirs?.error6} error-6, ${theirs?.correctResults}/${CALLS} correct); ` +
      `1000 sends to one user: vkwire ${oursOne?.distinctArrived} distinct, vk-io ${theirsOne?.distinctArrived} distinct`,
  );
} finally {
  agent.destroy();
  await sandbox.stop();
}
