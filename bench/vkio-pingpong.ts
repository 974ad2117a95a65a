/**
 * A third-party SDK against the standalone sandbox: a vk-io bot that answers "pong" to "ping".
 * Shows that `pnpm --filter @vkwire/sandbox start` serves a VK that vk-io can poll and send through.
 *
 *   pnpm --filter @vkwire/bench vkio-pingpong
 */
import http from 'node:http';
import type https from 'node:https';
import { VK } from 'vk-io';
import { control, startSandboxProcess } from './lib/sandbox-process.ts';

const sandbox = await startSandboxProcess();
const agent = new http.Agent({ keepAlive: true });
const bot = new VK({
  token: sandbox.token,
  apiBaseUrl: sandbox.apiUrl,
  // vk-io types the agent as https.Agent but needs an http one for a plain-http URL.
  agent: agent as unknown as https.Agent,
  pollingGroupId: sandbox.groupId,
});
bot.updates.on('message_new', async (context) => {
  if (context.text === 'ping') await context.send('pong');
});
try {
  await bot.updates.startPolling();
  const started = performance.now();
  await control(sandbox, '/users/193847562/send', { text: 'ping' });
  let answer: Array<{ text: string }> = [];
  while (answer.length === 0 && performance.now() - started < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    answer = (await (await fetch(`${sandbox.url}/_sandbox/sent?peer=193847562`)).json()) as Array<{
      text: string;
    }>;
  }
  const ms = Math.round(performance.now() - started);
  const ok = answer[0]?.text === 'pong';
  console.log(JSON.stringify({ scenario: 'vkio-pingpong', ok, roundTripMs: ms }));
  console.log(
    ok ? `vk-io answered "pong" through the standalone sandbox in ${ms} ms` : 'vk-io did not answer',
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await bot.updates.stop();
  agent.destroy();
  await sandbox.stop();
}
