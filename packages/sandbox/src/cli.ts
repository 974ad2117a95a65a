#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createSandbox } from './sandbox.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    host: { type: 'string', default: '127.0.0.1' },
    'group-id': { type: 'string' },
    token: { type: 'string' },
    'no-rate-limit': { type: 'boolean', default: false },
    'history-size': { type: 'string' },
    json: { type: 'boolean', default: false },
    chat: { type: 'boolean', default: false },
  },
});

const groupId = values['group-id'] === undefined ? undefined : Number(values['group-id']);
const historySize = values['history-size'] === undefined ? undefined : Number(values['history-size']);
const vk = await createSandbox({
  port: Number(values.port),
  hostname: values.host,
  groups: [
    {
      ...(groupId === undefined ? {} : { id: groupId }),
      ...(values.token === undefined ? {} : { token: values.token }),
    },
  ],
  ...(values['no-rate-limit'] ? { rateLimit: false as const } : {}),
  ...(historySize === undefined ? {} : { longPoll: { historySize } }),
  recordEvents: false,
  chat: values.chat,
});

if (values.json) {
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

const stop = async (): Promise<void> => {
  await vk.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
