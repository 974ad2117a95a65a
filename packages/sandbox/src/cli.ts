#!/usr/bin/env node
import { CLI_HELP, parseCli } from './cli-args.js';
import { createSandbox } from './sandbox.js';

const command = parseCli(process.argv.slice(2));
if (command.kind === 'help') {
  process.stdout.write(CLI_HELP);
  process.exit(0);
}
if (command.kind === 'error') {
  process.stderr.write(`vkwire-sandbox: ${command.message}\n`);
  process.exit(2);
}

const listenError = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `port ${command.port} on ${command.host} is already in use; pick another with --port`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${command.host}: no such address here`;
  if (code === 'EACCES')
    return `not allowed to listen on port ${command.port} (ports below 1024 need privileges)`;
  return undefined;
};

let vk: Awaited<ReturnType<typeof createSandbox>>;
try {
  vk = await createSandbox({
    port: command.port,
    hostname: command.host,
    groups: [
      {
        ...(command.groupId === undefined ? {} : { id: command.groupId }),
        ...(command.token === undefined ? {} : { token: command.token }),
      },
    ],
    ...(command.rateLimit ? {} : { rateLimit: false as const }),
    ...(command.historySize === undefined ? {} : { longPoll: { historySize: command.historySize } }),
    ...(command.vkLike ? { vkLike: true } : {}),
    recordEvents: false,
    chat: command.chat,
  });
} catch (error) {
  const message = listenError(error);
  if (message === undefined) throw error;
  process.stderr.write(`vkwire-sandbox: ${message}\n`);
  process.exit(1);
}

// Before the ready line: whoever reads it may stop us at once.
const stop = async (): Promise<void> => {
  await vk.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

if (command.json) {
  process.stdout.write(
    `${JSON.stringify({ url: vk.url, apiUrl: vk.apiUrl, groupId: vk.group.id, token: vk.group.token, ...(vk.chatUrl ? { chatUrl: vk.chatUrl } : {}) })}\n`,
  );
} else {
  process.stdout.write(
    [
      'vkwire sandbox: an offline VK',
      `  API base:   ${vk.apiUrl}`,
      `  community:  ${vk.group.id} (${vk.group.name})`,
      `  token:      ${vk.group.token}`,
      `  control:    ${vk.url}/_sandbox  (POST /_sandbox/users/<id>/send {"text":"ping"})`,
      ...(vk.chatUrl ? [`  chat page:  ${vk.chatUrl}`] : []),
      '',
    ].join('\n'),
  );
}
