import { VkwireConfigError } from '@vkwire/core';
/** Names of a user or community, as a resolver knows them. Missing or null fields stay null. */
export interface VkNames {
  /** Full name ("Анна Смирнова"), or the community's name. */
  name?: string | null;
  /** First name (users only). */
  firstname?: string | null;
  /** Last name (users only). */
  lastname?: string | null;
  /** Screen name (`vk.com/<nick>`). */
  nick?: string | null;
}

/**
 * Supplies the names in normalized events. Both methods take every id a batch needs at once (ids are
 * unique, never empty), so an implementation can answer from a cache and fetch the rest in one
 * request: `users.get` / `groups.getById` for `resolveUsers`, `messages.getConversationsById` for
 * `resolvePeers`. An id missing from the answer leaves its names null — never invent them.
 *
 * A rejected promise rejects the `normalize` call; wrap your resolver if you would rather publish
 * events without names than fail.
 *
 * @example
 * const resolver: VkNameResolver = {
 *   async resolveUsers(ids) {
 *     const users = await api.call('users.get', { user_ids: ids.filter((id) => id > 0).join(','), fields: 'screen_name' });
 *     return new Map(users.map((u) => [u.id, { name: `${u.first_name} ${u.last_name}`, firstname: u.first_name, lastname: u.last_name, nick: u.screen_name }]));
 *   },
 *   async resolvePeers(peerIds) {
 *     const { items } = await api.call('messages.getConversationsById', { peer_ids: peerIds.join(',') });
 *     return new Map(items.map((c) => [c.peer.id, c.chat_settings?.title ?? null]));
 *   },
 * };
 */
export interface VkNameResolver {
  /**
   * Names of users (positive ids) and communities (negative ids: `-group_id`). Also used for the name
   * of a private dialog, which is its user's name.
   */
  resolveUsers(ids: readonly number[]): Promise<ReadonlyMap<number, VkNames>>;
  /** Titles of group chats by `peer_id` (2000000000 + chat id). */
  resolvePeers(peerIds: readonly number[]): Promise<ReadonlyMap<number, string | null>>;
}

/** Contents of a {@link createMemoryNameResolver}. */
export interface MemoryNameResolverEntries {
  /** User id (or `-group_id`) → names. */
  users?: Iterable<readonly [number, VkNames]>;
  /** Chat `peer_id` → title. */
  peers?: Iterable<readonly [number, string]>;
}

/**
 * A resolver answering from fixed maps: for tests, and for bots that know their few chats. It
 * records the ids it was asked for in `calls` (handy to check batching).
 *
 * @example
 * const resolver = createMemoryNameResolver({
 *   users: [[193847562, { name: 'Анна Смирнова', firstname: 'Анна', lastname: 'Смирнова', nick: 'anna' }]],
 *   peers: [[2000000004, 'Бодрое утро — бариста']],
 * });
 * const event = await normalize(update, { resolver });
 */
export function createMemoryNameResolver(entries: MemoryNameResolverEntries = {}): VkNameResolver & {
  readonly calls: { users: number[][]; peers: number[][] };
} {
  for (const key of ['users', 'peers'] as const) {
    const value: unknown = entries[key];
    if (
      value !== undefined &&
      typeof (value as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function'
    ) {
      throw new VkwireConfigError('createMemoryNameResolver', key, 'an iterable of [id, value] pairs', {
        got: value,
      });
    }
  }
  const users = new Map(entries.users ?? []);
  const peers = new Map(entries.peers ?? []);
  const calls = { users: [] as number[][], peers: [] as number[][] };
  return {
    calls,
    async resolveUsers(ids) {
      calls.users.push([...ids]);
      return new Map(ids.flatMap((id) => (users.has(id) ? [[id, users.get(id) as VkNames] as const] : [])));
    },
    async resolvePeers(peerIds) {
      calls.peers.push([...peerIds]);
      return new Map(
        peerIds.flatMap((id) => (peers.has(id) ? [[id, peers.get(id) as string] as const] : [])),
      );
    },
  };
}
