import type { GroupRecord, UserRecord } from '../../world/types.js';
import type { CallContext, MethodTable } from '../context.js';

// VK keeps the numeric addresses (id1, club1, public1, event1) working next to a custom screen name.
const USER_ADDRESS = /^id(\d+)$/;
const GROUP_ADDRESS = /^(?:club|public|event)(\d+)$/;

function userNamed(users: Iterable<UserRecord>, name: string): UserRecord | undefined {
  for (const user of users) if (user.screenName.toLowerCase() === name) return user;
  return undefined;
}

function groupNamed(groups: Iterable<GroupRecord>, name: string): GroupRecord | undefined {
  for (const group of groups) if (group.screenName.toLowerCase() === name) return group;
  return undefined;
}

function resolveScreenName(context: CallContext): unknown {
  const { world } = context.state;
  // Screen names are case-insensitive on VK (vk.com/Durov is vk.com/durov).
  const name = context.params.requireString('screen_name').trim().toLowerCase();
  const user = userNamed(world.users.values(), name);
  if (user) return { object_id: user.id, type: 'user' };
  const group = groupNamed(world.groups.values(), name);
  if (group) return { object_id: group.id, type: 'group' };
  const userId = USER_ADDRESS.exec(name)?.[1];
  if (userId !== undefined && world.users.has(Number(userId)))
    return { object_id: Number(userId), type: 'user' };
  const groupId = GROUP_ADDRESS.exec(name)?.[1];
  if (groupId !== undefined && world.group(Number(groupId)))
    return { object_id: Number(groupId), type: 'group' };
  // VK answers an empty array (not an error, not null) for a name nobody has.
  return [];
}

/** `utils.resolveScreenName`: a user's or community's screen name → `{ object_id, type }`, or `[]`. */
export const utilMethods: MethodTable = {
  'utils.resolveScreenName': { run: resolveScreenName },
};
