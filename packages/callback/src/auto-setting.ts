// Types only: the web entry must not load the API client (undici, node:*) at run time.
import type { VkApi } from '@vkwire/api-client';
import { VK_API_VERSION, VkwireConfigError } from '@vkwire/core';
import type { VkEventType } from '@vkwire/events-schema';
import { CallbackSetupError } from './errors.js';
import type { CallbackGroups } from './groups.js';

const SECRET_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Options of {@link configureCallbackServer}. */
export interface ConfigureCallbackServerOptions {
  /** The endpoint's public URL, exactly as VK should call it. */
  url: string;
  /** Server title in the community settings (VK allows 14 characters). @default 'vkwire' */
  title?: string;
  /** The community (the token must be its community token, or an admin's user token). */
  groupId: number;
  /** Event types to receive (`message_new`, `message_event`, ...); every other type is switched off. */
  events: readonly VkEventType[];
  /**
   * The registry the endpoint serves from: the new secret and confirmation code are put there
   * before VK sends its confirmation request, so the endpoint can answer it.
   */
  groups?: CallbackGroups;
  /** Length of a generated secret (VK allows 50). @default 32 */
  secretLength?: number;
  /**
   * Milliseconds to wait for VK to confirm a newly added server (its status turning `ok`). A
   * server VK could not confirm (`failed`) is an error; one still waiting when the time is up
   * comes back with `confirmed: false`. 0 does not wait (`confirmed: false` for a new server).
   * @default 10000
   */
  confirmTimeoutMs?: number;
}

/** What {@link configureCallbackServer} set up. */
export interface ConfigureCallbackServerResult {
  /** The callback server's id in the community. */
  serverId: number;
  /** The confirmation code to answer VK's `confirmation` request with. */
  confirmation: string;
  /** The server's secret key (check `secret` of every request against it). */
  secret: string;
  /** Whether the server was added now (false: an existing one was reused). */
  created: boolean;
  /** Ids of broken duplicates (same URL, status not ok) that were deleted. */
  deleted: number[];
  /** Whether the event settings had to be changed. */
  settingsChanged: boolean;
  /** Whether VK reports the server confirmed (status `ok`); false if it was still waiting. */
  confirmed: boolean;
}

interface ServerItem {
  id: number;
  url: string;
  status: string;
  secret_key?: string;
}

/**
 * VK's "auto setting" (vk-protocol §5.6): makes sure the community has exactly one callback
 * server at `url`, confirmed, with a secret, at API `VK_API_VERSION` (5.199), with exactly `events` switched on.
 * Idempotent: a second run changes nothing and returns the same server, secret and code.
 *
 * Steps: find servers at `url` (a confirmed one is kept, with its secret; broken ones are
 * deleted); fetch the confirmation code; if none is kept, generate a secret and add the server
 * (the endpoint must already be listening: VK confirms it at once); then set the events.
 *
 * @throws VkwireConfigError (`invalid_option`) for bad options, before any call
 * @throws CallbackSetupError (`need_group_token`, `server_limit`, `not_confirmed`, `api_error`)
 * @example
 * const groups = new CallbackGroups();
 * await serveCallback({ groups, onUpdate, port: 8080, hostname: '0.0.0.0' }); // from '@vkwire/callback/node'
 * await configureCallbackServer(api, {
 *   url: 'https://bot.example.org/callback', groupId, events: ['message_new', 'message_event'], groups,
 * });
 */
export async function configureCallbackServer(
  api: VkApi,
  options: ConfigureCallbackServerOptions,
): Promise<ConfigureCallbackServerResult> {
  checkOptions(api, options);
  const { url, groupId } = options;
  const title = (options.title ?? 'vkwire').slice(0, 14);
  const group_id = groupId;
  return guard(groupId, async () => {
    const list = await api.groups.getCallbackServers({ group_id }, { batch: false });
    const mine = ((list.items ?? []) as ServerItem[]).filter((server) => server.url === url);
    const kept = mine.find((server) => server.status === 'ok' && server.secret_key);
    const deleted: number[] = [];
    for (const server of mine) {
      if (server === kept) continue;
      await api.groups.deleteCallbackServer({ group_id, server_id: server.id }, { batch: false });
      deleted.push(server.id);
    }
    const { code } = await api.groups.getCallbackConfirmationCode({ group_id }, { batch: false });
    if (!code)
      throw new CallbackSetupError('api_error', `community ${groupId}: VK gave no confirmation code`);
    let serverId: number;
    let secret: string;
    if (kept?.secret_key) {
      serverId = kept.id;
      secret = kept.secret_key;
      options.groups?.set({ groupId, secret, confirmation: code });
    } else {
      secret = generateSecret(options.secretLength ?? 32);
      // The endpoint must know the keys before VK sends its confirmation request.
      options.groups?.set({ groupId, secret, confirmation: code });
      const added = await api.groups.addCallbackServer(
        { group_id, url, title, secret_key: secret },
        { batch: false },
      );
      if (added.server_id === undefined)
        throw new CallbackSetupError(
          'api_error',
          `community ${groupId}: addCallbackServer returned no server_id`,
        );
      serverId = added.server_id;
    }
    const settingsChanged = await applySettings(api, groupId, serverId, options.events);
    const confirmed =
      kept !== undefined ||
      (await confirmation(api, groupId, serverId, url, options.confirmTimeoutMs ?? 10_000));
    return {
      serverId,
      confirmation: code,
      secret,
      created: kept === undefined,
      deleted,
      settingsChanged,
      confirmed,
    };
  });
}

/**
 * Waits for VK's verdict on a new server: true once its status is `ok`, false if it still waits
 * after `timeoutMs`; `failed` throws (VK got no right answer to its confirmation request).
 */
async function confirmation(
  api: VkApi,
  groupId: number,
  serverId: number,
  url: string,
  timeoutMs: number,
): Promise<boolean> {
  if (timeoutMs <= 0) return false;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { items } = await api.groups.getCallbackServers(
      { group_id: groupId, server_ids: String(serverId) },
      { batch: false },
    );
    const status = (items as ServerItem[] | undefined)?.find((item) => item.id === serverId)?.status;
    if (status === 'ok') return true;
    if (status === 'failed')
      throw new CallbackSetupError(
        'not_confirmed',
        `VK could not confirm the callback server ${serverId} of community ${groupId} at ${url}: the endpoint must be reachable from the internet and answer VK's confirmation request with the code (pass \`groups\` so it knows the code)`,
      );
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(CONFIRM_POLL_MS, left)));
  }
}

/** How often `getCallbackServers` is asked while VK confirms a server. */
const CONFIRM_POLL_MS = 250;

async function applySettings(
  api: VkApi,
  groupId: number,
  serverId: number,
  events: readonly VkEventType[],
): Promise<boolean> {
  const current = (await api.call(
    'groups.getCallbackSettings',
    { group_id: groupId, server_id: serverId },
    { batch: false },
  )) as { api_version?: string; events?: Record<string, number | boolean> };
  const flags = current.events ?? {};
  const wanted = new Set<string>(events);
  const same =
    current.api_version === VK_API_VERSION &&
    [...wanted].every((type) => type in flags && Boolean(flags[type])) &&
    Object.keys(flags).every((type) => wanted.has(type) || !flags[type]);
  if (same) return false;
  const params: Record<string, string | number> = {
    group_id: groupId,
    server_id: serverId,
    api_version: VK_API_VERSION,
  };
  for (const type of Object.keys(flags)) params[type] = wanted.has(type) ? 1 : 0;
  for (const type of wanted) params[type] = 1;
  await api.call('groups.setCallbackSettings', params, { batch: false });
  return true;
}

/** A random secret of [0-9A-Za-z] from the platform's CSPRNG (Web Crypto: any runtime). */
function generateSecret(length: number): string {
  let secret = '';
  const bytes = new Uint8Array(length * 2);
  while (secret.length < length) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      // 248 = 4 × 62: dropping larger bytes keeps every character equally likely.
      if (byte < 248 && secret.length < length) secret += SECRET_ALPHABET[byte % 62];
    }
  }
  return secret;
}

async function guard<T>(groupId: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CallbackSetupError) throw error;
    const code = vkErrorCode(error);
    if (code !== undefined) {
      if ([5, 15, 27, 100].includes(code))
        throw new CallbackSetupError(
          'need_group_token',
          `configuring the callback server of community ${groupId} failed: error ${code} — use a community token of that community with the manage right`,
          { cause: error },
        );
      if (code === 2000)
        throw new CallbackSetupError(
          'server_limit',
          `community ${groupId} has 10 callback servers already: delete one in the community settings`,
          { cause: error },
        );
    }
    throw new CallbackSetupError(
      'api_error',
      `configuring the callback server of community ${groupId} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * VK's error code of an API client's `VkApiError` (and its subclasses), read by shape: an
 * `instanceof` would load the API client at run time.
 */
function vkErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, method } = error as Error & { code?: unknown; method?: unknown };
  return typeof code === 'number' && typeof method === 'string' ? code : undefined;
}

function checkOptions(api: VkApi, options: ConfigureCallbackServerOptions): void {
  const component = 'configureCallbackServer';
  if (typeof api !== 'object' || api === null || typeof api.call !== 'function')
    throw new VkwireConfigError(component, 'api', 'a VkApi of @vkwire/api-client', { got: api });
  if (typeof options !== 'object' || options === null)
    throw new VkwireConfigError(component, 'options', 'an object', { got: options });
  if (typeof options.url !== 'string' || !/^https?:\/\/./.test(options.url))
    throw new VkwireConfigError(component, 'url', 'an http(s) URL', { got: options.url });
  if (!Number.isSafeInteger(options.groupId) || options.groupId <= 0)
    throw new VkwireConfigError(component, 'groupId', 'a positive integer (a number)', {
      got: options.groupId,
    });
  if (
    !Array.isArray(options.events) ||
    options.events.some((type) => typeof type !== 'string' || type === '')
  )
    throw new VkwireConfigError(component, 'events', 'an array of event types', { got: options.events });
  const length = options.secretLength;
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 1 || length > 50))
    throw new VkwireConfigError(component, 'secretLength', 'an integer in [1, 50]', { got: length });
  const wait = options.confirmTimeoutMs;
  if (wait !== undefined && (!Number.isSafeInteger(wait) || wait < 0))
    throw new VkwireConfigError(component, 'confirmTimeoutMs', 'an integer ≥ 0', { got: wait });
  if (options.title !== undefined && typeof options.title !== 'string')
    throw new VkwireConfigError(component, 'title', 'a string', { got: options.title });
}
