import { type VkApi, VkApiError, type VkMethods } from '@vkwire/api-client';
import type { VkNames } from '@vkwire/events-schema';

/** Names found for some of the ids asked, by id; an id VK answered nothing for is absent. */
export type NameTable = Map<number, VkNames>;

/** Asks VK for the names of some ids (at most the method's limit) in one call. */
export type NameLookup = (ids: readonly number[], signal: AbortSignal) => Promise<NameTable>;

type UserItem = VkMethods['users.get']['response'][number];
type GroupsAnswer = VkMethods['groups.getById']['response'];
type GroupItem = NonNullable<GroupsAnswer['groups']>[number];

/** Ids per call VK accepts: users.get, groups.getById, messages.getConversationsById. */
export const LOOKUP_LIMITS = { user: 1000, group: 500, chat: 100 } as const;

// VK answers 100 (or 113) for the whole call when one of its ids names nothing it knows.
const INVALID_ID_CODES: ReadonlySet<number> = new Set([100, 113]);

/** `users.get` with `screen_name`: "first last", each part, and the screen name. */
export function userLookup(api: VkApi): NameLookup {
  return withoutInvalidIds(async (ids, signal) => {
    const users = await api.call('users.get', { user_ids: ids, fields: ['screen_name'] }, { signal });
    const table: NameTable = new Map();
    for (const user of users) {
      if (typeof user.id === 'number' && user.deactivated !== 'deleted') table.set(user.id, userNames(user));
    }
    return table;
  });
}

/** `groups.getById` for ids given as `-group_id`: the community's name and screen name. */
export function groupLookup(api: VkApi): NameLookup {
  return withoutInvalidIds(async (ids, signal) => {
    const answer: GroupsAnswer | readonly GroupItem[] = await api.call(
      'groups.getById',
      { group_ids: ids.map((id) => -id) },
      { signal },
    );
    // API 5.199 answers { groups, profiles }; versions before 5.139 answered the bare array.
    const groups = isGroupList(answer) ? answer : (answer.groups ?? []);
    const table: NameTable = new Map();
    for (const group of groups) {
      if (typeof group.id !== 'number' || group.deactivated === 'deleted') continue;
      table.set(-group.id, {
        name: nonEmpty(group.name),
        firstname: null,
        lastname: null,
        nick: nonEmpty(group.screen_name),
      });
    }
    return table;
  });
}

/** `messages.getConversationsById` for chat peer ids: the title in `chat_settings`. */
export function chatLookup(api: VkApi): NameLookup {
  return async (ids, signal) => {
    const answer = await api.call('messages.getConversationsById', { peer_ids: ids }, { signal });
    const table: NameTable = new Map();
    for (const item of answer.items ?? []) {
      const title = nonEmpty(item.chat_settings?.title);
      if (typeof item.peer?.id === 'number' && title !== null) table.set(item.peer.id, { name: title });
    }
    return table;
  };
}

function userNames(user: UserItem): VkNames {
  const firstname = nonEmpty(user.first_name);
  const lastname = nonEmpty(user.last_name);
  return {
    name: [firstname, lastname].filter((part) => part !== null).join(' ') || null,
    firstname,
    lastname,
    nick: nonEmpty(user.screen_name),
  };
}

function isGroupList(answer: GroupsAnswer | readonly GroupItem[]): answer is readonly GroupItem[] {
  return Array.isArray(answer);
}

function nonEmpty(value: string | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * When VK refuses a whole call for an id it does not know, asks again in halves, so one unknown id
 * costs a few calls instead of every other id's names; an unknown id alone answers nothing.
 */
function withoutInvalidIds(lookup: NameLookup): NameLookup {
  const split: NameLookup = async (ids, signal) => {
    try {
      return await lookup(ids, signal);
    } catch (error) {
      if (!(error instanceof VkApiError) || !INVALID_ID_CODES.has(error.code)) throw error;
      if (ids.length === 1) return new Map();
      const half = Math.ceil(ids.length / 2);
      const parts = await Promise.all([split(ids.slice(0, half), signal), split(ids.slice(half), signal)]);
      return new Map([...parts[0], ...parts[1]]);
    }
  };
  return split;
}
