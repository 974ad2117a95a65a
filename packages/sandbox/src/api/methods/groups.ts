import { LONG_POLL_EVENT_FLAGS } from '../../world/event-types.js';
import type { GroupRecord } from '../../world/types.js';
import { type CallContext, type MethodTable, managedGroup } from '../context.js';
import { VkError } from '../errors.js';
import type { Params } from '../params.js';

/** A community as `groups.getById` returns it. */
export function groupView(group: GroupRecord): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    screen_name: group.screenName,
    is_closed: 0,
    type: 'group',
    photo_50: `https://sun9-1.userapi.com/sandbox/group${group.id}_50.jpg`,
    photo_100: `https://sun9-1.userapi.com/sandbox/group${group.id}_100.jpg`,
    photo_200: `https://sun9-1.userapi.com/sandbox/group${group.id}_200.jpg`,
  };
}

/** Applies `<event_type>=0|1` flags and `api_version` from a settings call. */
export function applyEventFlags(
  params: Params,
  settings: { apiVersion: string; events: Record<string, 0 | 1> },
  flags: readonly string[],
): void {
  const version = params.string('api_version');
  if (version !== undefined) settings.apiVersion = version;
  for (const flag of flags) {
    const value = params.string(flag);
    if (value !== undefined) settings.events[flag] = value === '1' || value === 'true' ? 1 : 0;
  }
}

function getById(context: CallContext): unknown {
  const { state, params, caller } = context;
  const ids = [...params.list('group_ids'), ...params.list('group_id')];
  if (ids.length === 0) {
    if (caller.kind !== 'group') throw new VkError(100, 'group_ids is undefined');
    return { groups: [groupView(caller.group)], profiles: [] };
  }
  const groups = ids.map((value) => {
    const group = /^\d+$/.test(value)
      ? state.world.group(Number(value))
      : [...state.world.groups.values()].find((candidate) => candidate.screenName === value);
    if (!group) throw new VkError(100, `group_ids ${value} is invalid`);
    return groupView(group);
  });
  return { groups, profiles: [] };
}

function getLongPollServer(context: CallContext): unknown {
  const group = managedGroup(context);
  if (!group.longPoll.enabled) throw new VkError(100, 'longpoll for this group is not enabled.');
  const { state } = context;
  return {
    key: state.longPollKeys.issue(group.id),
    server: `${state.origin}/whp/${group.id}`,
    ts: String(state.stream(group.id).lastSeq),
  };
}

function getLongPollSettings(context: CallContext): unknown {
  const group = managedGroup(context);
  return {
    is_enabled: group.longPoll.enabled,
    api_version: group.longPoll.apiVersion,
    events: { ...group.longPoll.events },
  };
}

function setLongPollSettings(context: CallContext): unknown {
  const group = managedGroup(context);
  const { params } = context;
  const enabled = params.string('enabled');
  if (enabled !== undefined) group.longPoll.enabled = enabled === '1' || enabled === 'true';
  applyEventFlags(params, group.longPoll, LONG_POLL_EVENT_FLAGS);
  return 1;
}

/** `groups.getById` and the Bots Long Poll settings methods. */
export const groupMethods: MethodTable = {
  'groups.getById': { run: getById },
  'groups.getLongPollServer': { run: getLongPollServer, tokens: 'group' },
  'groups.getLongPollSettings': { run: getLongPollSettings, tokens: 'group' },
  'groups.setLongPollSettings': { run: setLongPollSettings, tokens: 'group' },
};
