import type { UserRecord } from '../../world/types.js';
import type { CallContext, MethodTable } from '../context.js';
import { VkError } from '../errors.js';

/** A user as `users.get` returns it, with the requested `fields`. */
export function userView(user: UserRecord, fields: readonly string[]): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    can_access_closed: true,
    is_closed: false,
  };
  for (const field of fields) {
    if (field === 'sex') view.sex = user.sex;
    else if (field === 'screen_name') view.screen_name = user.screenName;
    else if (field === 'domain') view.domain = user.screenName;
    else if (field.startsWith('photo_'))
      view[field] = `https://sun9-1.userapi.com/sandbox/u${user.id}_${field}.jpg`;
    else if (field === 'online') view.online = 0;
  }
  return view;
}

function get(context: CallContext): unknown {
  const { state, params, caller } = context;
  const fields = params.list('fields');
  const ids = params.list('user_ids');
  if (ids.length === 0) return caller.kind === 'user' ? [userView(caller.user, fields)] : [];
  const users: Record<string, unknown>[] = [];
  for (const value of ids) {
    const user = /^\d+$/.test(value)
      ? state.world.users.get(Number(value))
      : [...state.world.users.values()].find((candidate) => candidate.screenName === value);
    if (user) users.push(userView(user, fields));
    else if (!/^\d+$/.test(value)) throw new VkError(113, `unknown screen name ${JSON.stringify(value)}`);
  }
  return users;
}

/** `users.get` (name_case is ignored). */
export const userMethods: MethodTable = {
  'users.get': { run: get },
};
