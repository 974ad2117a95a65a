import { VkwireConfigError } from '@vkwire/core';
import {
  EVENT_SCHEMA_VERSION,
  type VkwireEvent,
  type VkwireMessage,
  type VkwirePeer,
  type VkwireQuotedMessage,
  type VkwireRawUpdate,
  type VkwireUser,
} from './event.js';
import { isKnownUpdate, type VkEventType, type VkParsedUpdate } from './event-map.js';
import type { VkForeignMessage, VkMessage, VkMessageAttachment } from './message.js';
import type { VkNameResolver } from './resolver.js';
import type { VkJsonValue } from './vk-values.js';

/** Options of {@link normalize} and {@link normalizeBatch}. */
export interface NormalizeOptions {
  /**
   * Text prefixes that make an incoming message a `command` (the longest matching one wins; empty
   * strings are ignored). A leading mention of the community (`[club<group_id>|…]`, or
   * `[public<group_id>|…]` for a public page) is skipped first,
   * so `[club1|@bot], /help` is the command `help` in a chat. Pass `[]` for no commands.
   * @default ['/']
   */
  prefixes?: readonly string[];
  /** Supplies user, community and chat names. Without one every name is null. */
  resolver?: VkNameResolver;
}

/** Options of {@link normalizeSync}: no resolver, names stay null. */
export type NormalizeSyncOptions = Omit<NormalizeOptions, 'resolver'>;

/**
 * The VK update types {@link normalize} maps to an event of their own (`message`, `command`,
 * `button`, `reaction`, `join`, ...); every other type becomes a `raw` event carrying the update.
 * What a service publishing normalized events asks VK to send.
 */
export const NORMALIZED_VK_TYPES = Object.freeze([
  'message_new',
  'message_reply',
  'message_edit',
  'message_event',
  'message_reaction_event',
  'message_typing_state',
  'message_allow',
  'message_deny',
  'group_join',
  'group_leave',
] as const satisfies readonly VkEventType[]);

const CHAT_PEER_OFFSET = 2_000_000_000;
const DEFAULT_PREFIXES: readonly string[] = ['/'];
const sortedPrefixes = new WeakMap<readonly string[], readonly string[]>();

/**
 * The chat id of a group-chat `peer_id` (`peer_id - 2000000000`), or null for a user or community peer.
 *
 * @example
 * chatIdOf(2000000004); // 4
 * chatIdOf(193847562); // null
 */
export function chatIdOf(peerId: number): number | null {
  return peerId > CHAT_PEER_OFFSET ? peerId - CHAT_PEER_OFFSET : null;
}

/**
 * The VK attachment string of an attachment, `<type><owner_id>_<id>[_<access_key>]` (what
 * `messages.send` takes in `attachment`), or null for attachments without an owner and id
 * (stickers, links, gifts, calls). A `wall` post that VK sent with `to_id` instead of `owner_id`
 * takes its owner from `to_id`.
 *
 * @example
 * attachmentString({ type: 'photo', photo: { id: 457241337, owner_id: 193847562, access_key: '1169d4ad14d959ac62' } });
 * // 'photo193847562_457241337_1169d4ad14d959ac62'
 * attachmentString({ type: 'wall', wall: { id: 318, to_id: -218734561, from_id: -218734561, date: 1748700000 } });
 * // 'wall-218734561_318'
 */
export function attachmentString(attachment: VkMessageAttachment): string | null {
  const object = (attachment as Record<string, unknown>)[attachment.type];
  if (typeof object !== 'object' || object === null) return null;
  const { id, owner_id, access_key: accessKey } = object as Record<string, unknown>;
  // Read here too, not only in the schema: with validation off nothing has checked the post.
  const ownerId =
    owner_id === undefined && attachment.type === 'wall' ? (object as { to_id?: unknown }).to_id : owner_id;
  if (typeof id !== 'number' || typeof ownerId !== 'number') return null;
  const key = typeof accessKey === 'string' && accessKey !== '' ? `_${accessKey}` : '';
  return `${attachment.type}${ownerId}_${id}${key}`;
}

/**
 * Normalizes a parsed update into the event published on the bus, resolving names through
 * `options.resolver` (null without one).
 *
 * | VK type | event_type |
 * | --- | --- |
 * | `message_new` | `command` (text starts with a prefix), `service` (chat service message) or `message` |
 * | `message_reply` / `message_edit` | `reply` / `edit` |
 * | `message_event` / `message_reaction_event` | `button` / `reaction` |
 * | `message_typing_state` / `message_allow` / `message_deny` | `typing` / `allow` / `deny` |
 * | `group_join` / `group_leave` | `join` / `leave` |
 * | anything else, unknown types too | `raw` (no peer, no user) |
 *
 * For events about a user outside a conversation (typing, allow, deny, join, leave) the peer is
 * that user's private dialog with the community (`peer_id` = user id, VK's own rule).
 *
 * @example
 * const event = await normalize(parseUpdate(raw), { prefixes: ['/', '!'], resolver });
 * await redis.publish(`vk:${event.event_type}`, serializeEvent(event));
 */
export async function normalize(
  update: VkParsedUpdate,
  options: NormalizeOptions = {},
): Promise<VkwireEvent> {
  const event = normalizeSync(update, options);
  if (options.resolver) await resolveNames([event], checkedResolver(options.resolver, 'normalize'));
  return event;
}

/**
 * {@link normalize} for a batch (one long poll answer): the resolver is asked once for all the ids
 * of the batch.
 *
 * @example
 * const events = await normalizeBatch(answer.updates.map((raw) => parseUpdate(raw)), { resolver });
 */
export async function normalizeBatch(
  updates: readonly VkParsedUpdate[],
  options: NormalizeOptions = {},
): Promise<VkwireEvent[]> {
  if (options.resolver) checkedResolver(options.resolver, 'normalizeBatch');
  const events = updates.map((update) => normalizeSync(update, options));
  if (options.resolver) await resolveNames(events, options.resolver);
  return events;
}

/**
 * {@link normalize} without a resolver, synchronously: every name is null.
 *
 * @example
 * const event = normalizeSync(parseUpdate(raw), { prefixes: ['!'] });
 */
export function normalizeSync(update: VkParsedUpdate, options: NormalizeSyncOptions = {}): VkwireEvent {
  if (!isKnownUpdate(update)) return rawEvent(update);
  // One object literal per event, keys in the order of the JSON form: building events from spreads
  // cost more than JSON.parse itself in V8.
  const { event_id, group_id, type: vk_type } = update;
  const raw = update as unknown as VkwireRawUpdate;
  switch (update.type) {
    case 'message_new': {
      const source = update.object.message;
      const date = source.date;
      const peer = peerOf(source.peer_id);
      const user = userOf(source.from_id);
      const message = messageOf(source);
      if (source.action) {
        const action = {
          type: source.action.type,
          member_id: source.action.member_id ?? null,
          text: source.action.text ?? null,
        };
        const event_type = 'service';
        return {
          schema_version,
          event_id,
          event_type,
          vk_type,
          group_id,
          date,
          peer,
          user,
          message,
          action,
          raw,
        };
      }
      const command = commandOf(source.text, group_id, options.prefixes ?? DEFAULT_PREFIXES);
      if (command) {
        const event_type = 'command';
        return {
          schema_version,
          event_id,
          event_type,
          vk_type,
          group_id,
          date,
          peer,
          user,
          message,
          command,
          raw,
        };
      }
      const event_type = 'message';
      return { schema_version, event_id, event_type, vk_type, group_id, date, peer, user, message, raw };
    }
    case 'message_reply':
    case 'message_edit': {
      const source = update.object;
      const date = source.date;
      const peer = peerOf(source.peer_id);
      const user = userOf(source.from_id);
      const message = messageOf(source);
      const event_type = update.type === 'message_reply' ? 'reply' : 'edit';
      return { schema_version, event_id, event_type, vk_type, group_id, date, peer, user, message, raw };
    }
    case 'message_event': {
      const { object } = update;
      const peer = peerOf(object.peer_id);
      const user = userOf(object.user_id);
      const button = {
        cmid: object.conversation_message_id ?? null,
        beid: object.event_id,
        payload: payloadOf(object.payload),
      };
      const event_type = 'button';
      return { schema_version, event_id, event_type, vk_type, group_id, date: null, peer, user, button, raw };
    }
    case 'message_reaction_event': {
      const { object } = update;
      const peer = peerOf(object.peer_id);
      const user = userOf(object.reacted_id);
      const reaction = { cmid: object.cmid, rid: object.reaction_id ?? null };
      const event_type = 'reaction';
      return {
        schema_version,
        event_id,
        event_type,
        vk_type,
        group_id,
        date: null,
        peer,
        user,
        reaction,
        raw,
      };
    }
  }
  // Events about one user outside a conversation: their private dialog with the community is the peer.
  switch (update.type) {
    case 'message_typing_state': {
      const peer = peerOf(update.object.from_id);
      const user = userOf(update.object.from_id);
      const typing = { state: update.object.state };
      const event_type = 'typing';
      return { schema_version, event_id, event_type, vk_type, group_id, date: null, peer, user, typing, raw };
    }
    case 'message_allow': {
      const peer = peerOf(update.object.user_id);
      const user = userOf(update.object.user_id);
      const allow = { key: update.object.key ?? null };
      const event_type = 'allow';
      return { schema_version, event_id, event_type, vk_type, group_id, date: null, peer, user, allow, raw };
    }
    case 'message_deny': {
      const peer = peerOf(update.object.user_id);
      const user = userOf(update.object.user_id);
      const event_type = 'deny';
      return { schema_version, event_id, event_type, vk_type, group_id, date: null, peer, user, raw };
    }
    case 'group_join': {
      const peer = peerOf(update.object.user_id);
      const user = userOf(update.object.user_id);
      const join = { join_type: update.object.join_type };
      const event_type = 'join';
      return { schema_version, event_id, event_type, vk_type, group_id, date: null, peer, user, join, raw };
    }
    case 'group_leave': {
      const peer = peerOf(update.object.user_id);
      const user = userOf(update.object.user_id);
      const leave = { self: update.object.self ?? null };
      const event_type = 'leave';
      return { schema_version, event_id, event_type, vk_type, group_id, date: null, peer, user, leave, raw };
    }
  }
  return rawEvent(update);
}

const schema_version = EVENT_SCHEMA_VERSION;

function rawEvent(update: VkParsedUpdate): VkwireEvent {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: update.event_id,
    event_type: 'raw',
    vk_type: update.type,
    group_id: update.group_id,
    date: null,
    peer: null,
    user: null,
    raw: update as unknown as VkwireRawUpdate,
  };
}

function peerOf(peerId: number): VkwirePeer {
  return { bpid: peerId, cid: chatIdOf(peerId), name: null };
}

function userOf(id: number): VkwireUser {
  return { uuid: id, name: null, firstname: null, lastname: null, nick: null };
}

function quotedOf(message: VkForeignMessage): VkwireQuotedMessage {
  return { cmid: message.conversation_message_id ?? null, uuid: message.from_id, text: message.text };
}

function messageOf(message: VkMessage): VkwireMessage {
  const attachments: string[] = [];
  for (const attachment of message.attachments) {
    const text = attachmentString(attachment);
    if (text !== null) attachments.push(text);
  }
  return {
    cmid: message.conversation_message_id,
    text: message.text,
    reply: message.reply_message ? quotedOf(message.reply_message) : null,
    forward: message.fwd_messages.map(quotedOf),
    attachments,
    payload: payloadOf(message.payload),
  };
}

/** A payload as a JSON value: strings holding JSON are parsed, other strings kept, absent or empty is null. */
function payloadOf(payload: VkJsonValue | undefined): VkJsonValue | null {
  if (payload === undefined || payload === '') return null;
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload) as VkJsonValue;
  } catch {
    return payload;
  }
}

// A public page is mentioned as `[public<id>|…]`, a group or an event as `[club<id>|…]`.
const MENTION = /^\[(?:club|public)(\d+)\|[^\]]*\][\s,:]*/;

function commandOf(
  text: string,
  groupId: number,
  prefixes: readonly string[],
): { prefix: string; name: string; args: string } | null {
  let body = text;
  if (body.startsWith('[club') || body.startsWith('[public')) {
    const mention = MENTION.exec(body);
    if (mention && Number(mention[1]) === groupId) body = body.slice(mention[0].length);
  }
  for (const prefix of longestFirst(prefixes)) {
    if (!body.startsWith(prefix)) continue;
    const rest = body.slice(prefix.length);
    const name = /^\S+/.exec(rest)?.[0];
    if (!name) return null;
    return { prefix, name, args: rest.slice(name.length).replace(/^\s+/, '') };
  }
  return null;
}

function checkedResolver(resolver: VkNameResolver, component: string): VkNameResolver {
  if (typeof resolver.resolveUsers !== 'function' || typeof resolver.resolvePeers !== 'function') {
    throw new VkwireConfigError(component, 'resolver', 'a VkNameResolver (resolveUsers and resolvePeers)', {
      got: resolver,
    });
  }
  return resolver;
}

function longestFirst(prefixes: readonly string[]): readonly string[] {
  let sorted = sortedPrefixes.get(prefixes);
  if (!sorted) {
    // Checked once per array (the result is cached by it), so the check costs nothing per message.
    if (!Array.isArray(prefixes) || !prefixes.every((prefix) => typeof prefix === 'string')) {
      throw new VkwireConfigError('normalize', 'prefixes', 'an array of strings', { got: prefixes });
    }
    sorted = prefixes.filter((prefix) => prefix !== '').sort((a, b) => b.length - a.length);
    sortedPrefixes.set(prefixes, sorted);
  }
  return sorted;
}

async function resolveNames(events: readonly VkwireEvent[], resolver: VkNameResolver): Promise<void> {
  const userIds = new Set<number>();
  const chatPeerIds = new Set<number>();
  for (const event of events) {
    if (event.user) userIds.add(event.user.uuid);
    if (event.peer) (event.peer.cid === null ? userIds : chatPeerIds).add(event.peer.bpid);
  }
  const [users, peers] = await Promise.all([
    userIds.size > 0 ? resolver.resolveUsers([...userIds]) : undefined,
    chatPeerIds.size > 0 ? resolver.resolvePeers([...chatPeerIds]) : undefined,
  ]);
  for (const event of events) {
    if (event.user) {
      const names = users?.get(event.user.uuid);
      if (names) {
        event.user.name = names.name ?? null;
        event.user.firstname = names.firstname ?? null;
        event.user.lastname = names.lastname ?? null;
        event.user.nick = names.nick ?? null;
      }
    }
    if (event.peer) {
      event.peer.name =
        event.peer.cid === null
          ? (users?.get(event.peer.bpid)?.name ?? null)
          : (peers?.get(event.peer.bpid) ?? null);
    }
  }
}
