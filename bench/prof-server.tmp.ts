import http from 'node:http';
import { createSandbox } from '@vkwire/sandbox';

const vk = await createSandbox({ rateLimit: false, recordEvents: false, longPoll: { historySize: 400000 } });
console.log(JSON.stringify({ url: vk.url, token: vk.group.token, gid: vk.group.id }));
process.on('SIGTERM', () => vk.close().then(() => process.exit(0)));
