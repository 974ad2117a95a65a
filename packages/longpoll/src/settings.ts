import type { VkApi } from '@vkwire/api-client';
import { VK_API_VERSION } from '@vkwire/core';
import type { VkEventType } from '@vkwire/events-schema';

/** The API version whose objects events-schema describes. */
const API_VERSION = VK_API_VERSION;

/** What `ensureLongPollSettings` found and did. */
export interface EnsureSettingsResult {
  /** Whether it changed the community's settings. */
  changed: boolean;
  /** Reasons some handled events would not arrive (empty when all is well). */
  warnings: string[];
}

/**
 * Checks a community's Bots Long Poll settings against the event types a bot handles (all types
 * when `types` is undefined) and, with `apply`, sets them: Long Poll on, `VK_API_VERSION`, exactly the
 * handled types on. Without `apply` it only reports what would keep events from arriving — the
 * usual reason a bot is silent.
 */
export async function ensureLongPollSettings(
  api: VkApi,
  groupId: number,
  options: {
    types: readonly VkEventType[] | undefined;
    apply: boolean;
    /** Cuts the calls in flight when it aborts (the result then rejects). */
    signal?: AbortSignal;
  },
): Promise<EnsureSettingsResult> {
  const call = { batch: false, ...(options.signal ? { signal: options.signal } : {}) };
  const settings = (await api.groups.getLongPollSettings({ group_id: groupId }, call)) as {
    is_enabled?: boolean | number;
    api_version?: string;
    events?: Record<string, number | boolean>;
  };
  const flags = settings.events ?? {};
  const wanted: readonly string[] = options.types ?? Object.keys(flags);
  const off = wanted.filter((type) => type in flags && !flags[type]);
  const enabled = settings.is_enabled === true || settings.is_enabled === 1;
  const versionOk = settings.api_version === API_VERSION;
  if (options.apply) {
    if (
      enabled &&
      versionOk &&
      off.length === 0 &&
      (options.types === undefined ||
        !Object.keys(flags).some((type) => flags[type] && !wanted.includes(type)))
    ) {
      return { changed: false, warnings: [] };
    }
    const params: Record<string, string | number> = {
      group_id: groupId,
      enabled: 1,
      api_version: API_VERSION,
    };
    for (const type of Object.keys(flags)) params[type] = wanted.includes(type) ? 1 : 0;
    await api.call('groups.setLongPollSettings', params, call);
    return { changed: true, warnings: [] };
  }
  const warnings: string[] = [];
  if (!enabled)
    warnings.push(
      `Bots Long Poll is disabled for community ${groupId}: no event will arrive (enable it, or pass ensureSettings: true)`,
    );
  if (!versionOk)
    warnings.push(
      `community ${groupId} sends Long Poll events in API version ${settings.api_version ?? '?'}, not ${API_VERSION}: objects may not parse`,
    );
  // A catch-all handler takes whatever is switched on: only named types are warned about.
  for (const type of options.types === undefined ? [] : off)
    warnings.push(
      `event type ${type} is switched off in community ${groupId}'s Long Poll settings: its handlers will never run`,
    );
  return { changed: false, warnings };
}
