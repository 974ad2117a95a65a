import { VK_API_VERSION } from '@vkwire/events-schema';
import type { Sandbox, SandboxUpdate } from '../src/index.js';

/** A VK API answer: `response` or `error`, plus `execute_errors` for execute. */
export interface ApiAnswer {
  response?: unknown;
  error?: {
    error_code: number;
    error_msg: string;
    request_params: Array<{ key: string; value: string }>;
  } & Record<string, unknown>;
  execute_errors?: Array<{ method: string; error_code: number; error_msg: string }>;
}

/** Calls a method over HTTP the way SDKs do: POST, form-encoded, `v` and `access_token`. */
export async function call(
  vk: Sandbox,
  method: string,
  params: Record<string, string | number> = {},
  token: string | null = vk.group.token,
): Promise<ApiAnswer> {
  const body = new URLSearchParams({ v: VK_API_VERSION, ...(token === null ? {} : { access_token: token }) });
  for (const [key, value] of Object.entries(params)) body.set(key, String(value));
  const response = await fetch(`${vk.apiUrl}/${method}`, { method: 'POST', body });
  return (await response.json()) as ApiAnswer;
}

/** Calls a method and returns `response`, failing with the VK error otherwise. */
export async function ok<T = unknown>(
  vk: Sandbox,
  method: string,
  params: Record<string, string | number> = {},
  token?: string,
): Promise<T> {
  const answer = await call(vk, method, params, token);
  if (answer.error) throw new Error(`${method} failed: ${answer.error.error_code} ${answer.error.error_msg}`);
  return answer.response as T;
}

/** A Bots Long Poll session: server, key and ts as `groups.getLongPollServer` gave them. */
export interface LongPollSession {
  server: string;
  key: string;
  ts: string;
}

/** Starts a Bots Long Poll session for a community. */
export async function longPollServer(
  vk: Sandbox,
  groupId = vk.group.id,
  token = vk.group.token,
): Promise<LongPollSession> {
  return ok<LongPollSession>(vk, 'groups.getLongPollServer', { group_id: groupId }, token);
}

/** A raw `a_check` answer. */
export interface PollAnswer {
  ts?: string | number;
  updates?: SandboxUpdate[];
  failed?: number;
}

/** One `a_check` request. */
export async function poll(session: LongPollSession, wait = 0, signal?: AbortSignal): Promise<PollAnswer> {
  const url = `${session.server}?act=a_check&key=${session.key}&ts=${session.ts}&wait=${wait}`;
  const response = await fetch(url, signal ? { signal } : {});
  return (await response.json()) as PollAnswer;
}

/** Polls (advancing ts) until `count` updates arrived; returns them. */
export async function collect(session: LongPollSession, count: number): Promise<SandboxUpdate[]> {
  const updates: SandboxUpdate[] = [];
  while (updates.length < count) {
    const answer = await poll(session, 5);
    if (answer.failed !== undefined) throw new Error(`long poll failed: ${answer.failed}`);
    updates.push(...(answer.updates ?? []));
    session.ts = String(answer.ts);
  }
  return updates;
}
