import { VK_API_VERSION } from '@vkwire/events-schema';
import { allFlags, CALLBACK_EVENT_FLAGS } from '../../world/event-types.js';
import type { CallbackServerRecord } from '../../world/types.js';
import { type CallContext, type MethodTable, managedGroup } from '../context.js';
import { VkError } from '../errors.js';
import { applyEventFlags } from './groups.js';

const MAX_SERVERS = 10;

function serverView(server: CallbackServerRecord): Record<string, unknown> {
  return {
    id: server.id,
    title: server.title,
    creator_id: server.creatorId,
    url: server.url,
    secret_key: server.secretKey,
    status: server.status,
  };
}

function findServer(context: CallContext, required: boolean): CallbackServerRecord | undefined {
  const group = managedGroup(context);
  const id = required ? context.params.requireInt('server_id') : context.params.int('server_id');
  if (id === undefined) return group.callbackServers[0];
  const server = group.callbackServers.find((candidate) => candidate.id === id);
  if (!server) throw new VkError(104, `callback server ${id}`);
  return server;
}

function checkTitleAndSecret(context: CallContext): { title: string; secretKey: string; url: string } {
  const { params } = context;
  const url = params.requireString('url');
  const title = params.requireString('title');
  const secretKey = params.string('secret_key') ?? '';
  if (title.length > 14) throw new VkError(100, 'title is too long (max 14 characters)');
  if (secretKey.length > 50) throw new VkError(100, 'secret_key is too long (max 50 characters)');
  return { url, title, secretKey };
}

let nextServerId = 1;

/** The six `groups.*Callback*` server methods and the confirmation code. */
export const callbackServerMethods: MethodTable = {
  'groups.getCallbackServers': {
    tokens: 'group',
    run: (context) => {
      const group = managedGroup(context);
      const ids = context.params.intList('server_ids');
      const items = group.callbackServers.filter((server) => ids.length === 0 || ids.includes(server.id));
      return { count: items.length, items: items.map(serverView) };
    },
  },
  'groups.addCallbackServer': {
    tokens: 'group',
    run: (context) => {
      const group = managedGroup(context);
      const fields = checkTitleAndSecret(context);
      if (group.callbackServers.length >= MAX_SERVERS) throw new VkError(2000);
      const server: CallbackServerRecord = {
        id: nextServerId++,
        ...fields,
        creatorId: 0,
        status: 'unconfigured',
        settings: { apiVersion: VK_API_VERSION, events: allFlags(CALLBACK_EVENT_FLAGS, 0) },
      };
      group.callbackServers.push(server);
      // VK asks the new URL to confirm; the answer decides the status (ok or failed).
      void context.state.callback.serverChanged(group, server);
      return { server_id: server.id };
    },
  },
  'groups.editCallbackServer': {
    tokens: 'group',
    run: (context) => {
      const server = findServer(context, true);
      if (!server) throw new VkError(104);
      Object.assign(server, checkTitleAndSecret(context), { status: 'unconfigured' });
      void context.state.callback.serverChanged(managedGroup(context), server);
      return 1;
    },
  },
  'groups.deleteCallbackServer': {
    tokens: 'group',
    run: (context) => {
      const group = managedGroup(context);
      const server = findServer(context, true);
      group.callbackServers = group.callbackServers.filter((candidate) => candidate !== server);
      if (server) context.state.callback.serverRemoved(server);
      return 1;
    },
  },
  'groups.getCallbackConfirmationCode': {
    tokens: 'group',
    run: (context) => ({ code: managedGroup(context).confirmationCode }),
  },
  'groups.getCallbackSettings': {
    tokens: 'group',
    run: (context) => {
      const server = findServer(context, false);
      if (!server) throw new VkError(104, 'the community has no callback server');
      return { api_version: server.settings.apiVersion, events: { ...server.settings.events } };
    },
  },
  'groups.setCallbackSettings': {
    tokens: 'group',
    run: (context) => {
      const server = findServer(context, false);
      if (!server) throw new VkError(104, 'the community has no callback server');
      applyEventFlags(context.params, server.settings, CALLBACK_EVENT_FLAGS);
      return 1;
    },
  },
};
