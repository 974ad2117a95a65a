import { VkApiError } from '@vkwire/api-client';
import { VkwireConfigError } from '@vkwire/core';
import { type Argument, type ConvertContext, createArgument } from './argument.js';
import { ArgumentError, quoteValue } from './errors.js';

/** A user an argument named, with the names `users.get` gave when the parse had an API. */
export interface ArgUser {
  type: 'user';
  /** The user id (positive). */
  id: number;
  firstName?: string;
  lastName?: string;
  screenName?: string;
}

/** A community an argument named (only with `arg.user({ communities: true })`). */
export interface ArgCommunity {
  type: 'community';
  /** The community as a peer / owner id: negative (`-groupId`). */
  id: number;
  /** The community id (positive). */
  groupId: number;
  name?: string;
  screenName?: string;
}

/** Options of `arg.user()`. */
export interface UserArgOptions {
  /**
   * Also take communities (`[club1|…]`, `@apiclub`, `-1`), given back as {@link ArgCommunity}
   * with a negative `id`. Without it a community is an `invalid` argument.
   * @default false
   */
  communities?: boolean;
}

/** What a word refers to before it is resolved (see {@link parseUserReference}). */
export type UserReference =
  | { kind: 'user'; id: number }
  | { kind: 'community'; groupId: number }
  | { kind: 'screen_name'; name: string };

const MENTION = /^\[(id|club|public|event)(\d+)\|[^\]]*\]$/i;
const AT_NAME = /^[@*]([a-z\d_.]+)$/i;
const LINK = /^(?:https?:\/\/)?(?:(?:www|m)\.)?vk\.(?:com|ru)\/([a-z\d_.]+)\/?(?:[?#].*)?$/i;
const USER_ADDRESS = /^id(\d+)$/i;
const GROUP_ADDRESS = /^(?:club|public|event)(\d+)$/i;
const USER_ID = /^\d+$/;
const COMMUNITY_ID = /^-\d+$/;

function positive(digits: string): number | undefined {
  const id = Number(digits);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function byName(name: string): UserReference | undefined {
  const userId = USER_ADDRESS.exec(name)?.[1];
  if (userId !== undefined) return withId('user', userId);
  const groupId = GROUP_ADDRESS.exec(name)?.[1];
  if (groupId !== undefined) return withId('community', groupId);
  return { kind: 'screen_name', name };
}

function withId(kind: 'user' | 'community', digits: string): UserReference | undefined {
  const id = positive(digits);
  if (id === undefined) return undefined;
  return kind === 'user' ? { kind, id } : { kind, groupId: id };
}

/**
 * What a word refers to: `[id1|Name]` / `[club1|Name]` mentions, `@name` / `*name`, `vk.com/name`
 * and `https://vk.com/id1` links (vk.ru too), `id1` / `club1`, a user id `1`, a community `-1`.
 * Undefined for a word that is none of these (a bare word is not taken for a screen name).
 */
export function parseUserReference(token: string): UserReference | undefined {
  const mention = MENTION.exec(token);
  if (mention) return withId(mention[1]?.toLowerCase() === 'id' ? 'user' : 'community', mention[2] as string);
  const name = AT_NAME.exec(token)?.[1] ?? LINK.exec(token)?.[1];
  if (name !== undefined) return byName(name);
  if (USER_ID.test(token)) return withId('user', token);
  if (COMMUNITY_ID.test(token)) return withId('community', token.slice(1));
  if (USER_ADDRESS.test(token) || GROUP_ADDRESS.test(token)) return byName(token);
  return undefined;
}

const EXPECTED = 'a user: a mention, @screen_name, a vk.com link or an id';
const EXPECTED_OR_COMMUNITY = 'a user or a community: a mention, @screen_name, a vk.com link or an id';

/** VK's "no such id" answers: 113 invalid user id, 100 for `groups.getById` of a missing community. */
function isNotFound(error: unknown): boolean {
  return error instanceof VkApiError && (error.code === 113 || error.code === 100);
}

function notFound(token: string, expected: string): ArgumentError {
  return new ArgumentError({ code: 'not_found', value: token, expected });
}

function requireApi(context: ConvertContext): NonNullable<ConvertContext['env']['api']> {
  const { api } = context.env;
  if (api === undefined) {
    throw new VkwireConfigError(
      'parseArgs',
      'env.api',
      `a VkApi to resolve the screen names of <${context.argument}>`,
    );
  }
  return api;
}

async function fetchUser(id: number, token: string, context: ConvertContext): Promise<ArgUser> {
  const { api, signal } = context.env;
  if (api === undefined) return { type: 'user', id };
  let users: Awaited<ReturnType<typeof api.users.get>>;
  try {
    users = await api.users.get({ user_ids: [id], fields: ['screen_name'] }, signal ? { signal } : {});
  } catch (error) {
    if (isNotFound(error)) throw notFound(token, EXPECTED);
    throw error;
  }
  const user = users[0];
  if (user === undefined) throw notFound(token, EXPECTED);
  return {
    type: 'user',
    id: user.id ?? id,
    firstName: user.first_name,
    lastName: user.last_name,
    ...(user.screen_name === undefined ? {} : { screenName: user.screen_name }),
  };
}

async function fetchCommunity(
  groupId: number,
  token: string,
  context: ConvertContext,
): Promise<ArgCommunity> {
  const { api, signal } = context.env;
  if (api === undefined) return { type: 'community', id: -groupId, groupId };
  let answer: Awaited<ReturnType<typeof api.groups.getById>>;
  try {
    answer = await api.groups.getById({ group_ids: [groupId] }, signal ? { signal } : {});
  } catch (error) {
    if (isNotFound(error)) throw notFound(token, EXPECTED_OR_COMMUNITY);
    throw error;
  }
  const group = answer.groups?.[0];
  if (group === undefined) throw notFound(token, EXPECTED_OR_COMMUNITY);
  return {
    type: 'community',
    id: -groupId,
    groupId,
    ...(group.name === undefined ? {} : { name: group.name }),
    ...(group.screen_name === undefined ? {} : { screenName: group.screen_name }),
  };
}

async function resolveScreenName(
  name: string,
  token: string,
  context: ConvertContext,
  expected: string,
): Promise<UserReference> {
  const api = requireApi(context);
  const { signal } = context.env;
  // VK answers `[]` (not an object) for a name nobody has.
  const answer: unknown = await api.utils.resolveScreenName({ screen_name: name }, signal ? { signal } : {});
  const resolved = answer as { type?: string; object_id?: number } | null;
  const id = resolved?.object_id;
  if (Array.isArray(answer) || typeof id !== 'number') throw notFound(token, expected);
  if (resolved?.type === 'user') return { kind: 'user', id };
  if (resolved?.type === 'group' || resolved?.type === 'page' || resolved?.type === 'event') {
    return { kind: 'community', groupId: id };
  }
  throw new ArgumentError({
    code: 'invalid',
    value: token,
    expected,
    reason: `${quoteValue(token)} is ${resolved?.type === 'application' ? 'an application' : 'not a user'}, not ${expected}`,
  });
}

async function resolve(
  token: string,
  context: ConvertContext,
  communities: boolean,
): Promise<ArgUser | ArgCommunity | undefined> {
  const expected = communities ? EXPECTED_OR_COMMUNITY : EXPECTED;
  let reference = parseUserReference(token);
  if (reference === undefined) return undefined;
  if (reference.kind === 'screen_name')
    reference = await resolveScreenName(reference.name, token, context, expected);
  if (reference.kind === 'user') return fetchUser(reference.id, token, context);
  if (reference.kind === 'community' && communities) return fetchCommunity(reference.groupId, token, context);
  throw new ArgumentError({
    code: 'invalid',
    value: token,
    expected,
    reason: `${quoteValue(token)} is a community, not a user`,
  });
}

/** Authors of the replied message, else of the forwarded ones (each once, in order). */
function quotedAuthors(context: ConvertContext, communities: boolean): number[] {
  const { message } = context.env;
  if (message === undefined) return [];
  const authors = message.reply_message
    ? [message.reply_message.from_id]
    : (message.fwd_messages ?? []).map((forwarded) => forwarded.from_id);
  return [...new Set(authors)].filter((id) => id > 0 || (communities && id < 0));
}

function userArgument(communities: boolean): Argument<ArgUser | ArgCommunity> {
  return createArgument<ArgUser | ArgCommunity>({
    kind: 'user',
    typeName: 'user',
    expected: communities ? EXPECTED_OR_COMMUNITY : EXPECTED,
    source: 'token',
    convert: (token, context) => resolve(token, context, communities),
    fallback: (context) =>
      Promise.all(
        quotedAuthors(context, communities).map((id) =>
          id > 0 ? fetchUser(id, `id${id}`, context) : fetchCommunity(-id, `club${-id}`, context),
        ),
      ),
  });
}

/**
 * A VK user: a mention `[id1|Name]`, `@screen_name`, a `vk.com/name` or `https://vk.com/id1`
 * link, `id1` or a plain id. With no such word, the author of the replied message (or of the
 * forwarded ones) is taken. With `env.api`, ids are checked and names filled in through
 * `users.get`, and screen names resolved through `utils.resolveScreenName`; a name or id nobody
 * has is a `not_found` error.
 *
 * @example
 * bot.command('ban', { args: { target: arg.user(), reason: arg.text().optional() } }, (ctx) =>
 *   `Banned ${ctx.args.target.firstName}`);
 */
export function user(): Argument<ArgUser>;
/** A user or, with `communities: true`, a community (negative `id`). */
export function user(options: UserArgOptions & { communities: true }): Argument<ArgUser | ArgCommunity>;
/** A user (see the first overload). */
export function user(options: UserArgOptions): Argument<ArgUser>;
export function user(options: UserArgOptions = {}): Argument<ArgUser> | Argument<ArgUser | ArgCommunity> {
  return userArgument(options.communities === true);
}
