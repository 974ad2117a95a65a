import { unixNow } from '../../ids.js';
import { SimUser } from '../../simulation/user.js';
import type { SandboxState } from '../../state.js';
import { parseAttachmentString, stickerObject, stubMedia } from '../../world/attachments.js';
import { validateKeyboard } from '../../world/keyboard.js';
import { CHAT_PEER_BASE, isChatPeer, messageView } from '../../world/message-view.js';
import type {
  ConversationRecord,
  GroupRecord,
  StoredMessage,
  UserRecord,
  VkObject,
} from '../../world/types.js';
import { type CallContext, callerGroup, type MethodTable } from '../context.js';
import { VkError } from '../errors.js';
import type { Params } from '../params.js';
import { chatMethods } from './chats.js';
import { groupView } from './groups.js';
import { userView } from './users.js';

const MAX_TEXT = 9000;
const MAX_PEER_IDS = 100;

/** What a send or an edit puts into a message. */
interface Content {
  text: string;
  attachments: VkObject[];
  keyboard?: VkObject;
  template?: VkObject;
  payload?: string;
  sticker: boolean;
}

function readContent(state: SandboxState, params: Params): Content {
  const text = params.string('message') ?? '';
  if (text.length > MAX_TEXT) throw new VkError(914);
  const attachments = params.list('attachment').map((value) => {
    const ref = parseAttachmentString(value);
    const known = state.media.get(`${ref.type}${ref.ownerId}_${ref.id}`);
    return { type: ref.type, [ref.type]: known?.object ?? stubMedia(ref) };
  });
  const stickerId = params.int('sticker_id');
  if (stickerId !== undefined) attachments.push({ type: 'sticker', sticker: stickerObject({ stickerId }) });
  const content: Content = { text, attachments, sticker: stickerId !== undefined };
  const keyboard = params.json('keyboard', () => new VkError(911, 'keyboard is not valid JSON'));
  if (keyboard !== undefined) content.keyboard = validateKeyboard(keyboard);
  const template = params.json('template', () => new VkError(100, 'template is not valid JSON'));
  if (template !== undefined) {
    if (typeof template !== 'object' || template === null || (template as VkObject).type !== 'carousel') {
      throw new VkError(100, 'template is invalid: only carousel templates are supported');
    }
    content.template = template as VkObject;
  }
  const payload = params.string('payload');
  if (payload !== undefined) {
    if (payload.length > 1000) throw new VkError(100, 'payload is too long (max 1000 characters)');
    content.payload = payload;
  }
  return content;
}

/** The destination of a send: `peer_id`, `user_id`, `chat_id` or `domain`. */
function destination(state: SandboxState, params: Params): number {
  const peerId = params.int('peer_id') ?? params.int('user_id');
  if (peerId !== undefined) return peerId;
  const chatId = params.int('chat_id');
  if (chatId !== undefined) return CHAT_PEER_BASE + chatId;
  const domain = params.string('domain');
  if (domain !== undefined) {
    const user = [...state.world.users.values()].find((candidate) => candidate.screenName === domain);
    if (!user) throw new VkError(100, `domain ${JSON.stringify(domain)} is invalid`);
    return user.id;
  }
  throw new VkError(100, 'peer_id is undefined');
}

/** Throws the error VK gives when a community may not write to (or read) a peer. */
function checkPeerAccess(state: SandboxState, group: GroupRecord, peerId: number, writing: boolean): void {
  if (isChatPeer(peerId)) {
    const chat = state.world.chats.get(peerId);
    if (!chat?.members.has(-group.id)) throw new VkError(917);
    return;
  }
  if (peerId <= 0 || !state.world.users.has(peerId)) throw new VkError(100, `peer_id ${peerId} is invalid`);
  if (writing && !state.world.canMessage(group, peerId)) throw new VkError(901);
}

/** Messages of a conversation named by cmids (or mailbox ids in a private dialog). */
function pick(
  conversation: ConversationRecord,
  cmids: readonly number[],
  ids: readonly number[],
): StoredMessage[] {
  const found: StoredMessage[] = [];
  for (const cmid of cmids) {
    const message = conversation.messages.get(cmid);
    if (message && !message.deleted) found.push(message);
  }
  if (ids.length > 0) {
    for (const message of conversation.messages.values()) {
      if (ids.includes(message.id) && !message.deleted) found.push(message);
    }
  }
  return found;
}

/** `reply_to`, `forward` and `forward_messages` resolved to stored messages. */
function readReferences(
  state: SandboxState,
  group: GroupRecord,
  params: Params,
  peerId: number,
): { reply?: StoredMessage; fwd: StoredMessage[] } {
  const here = state.world.conversation(group.id, peerId);
  const refs: { reply?: StoredMessage; fwd: StoredMessage[] } = { fwd: [] };
  const replyTo = params.int('reply_to');
  if (replyTo !== undefined) {
    const [message] = pick(here, [], [replyTo]);
    if (!message) throw new VkError(100, `reply_to ${replyTo} is not a message of this dialog`);
    refs.reply = message;
  }
  const forward = params.json('forward', () => new VkError(100, 'forward is not valid JSON'));
  if (forward !== undefined) {
    if (typeof forward !== 'object' || forward === null) throw new VkError(100, 'forward must be an object');
    const spec = forward as VkObject;
    const sourcePeer = typeof spec.peer_id === 'number' ? spec.peer_id : peerId;
    const cmids = Array.isArray(spec.conversation_message_ids)
      ? spec.conversation_message_ids.map(Number)
      : [];
    const ids = Array.isArray(spec.message_ids) ? spec.message_ids.map(Number) : [];
    const found = pick(state.world.conversation(group.id, sourcePeer), cmids, ids);
    if (found.length === 0) throw new VkError(100, 'forward names no message the community can see');
    if (spec.is_reply === true || spec.is_reply === 1) refs.reply = found[0];
    else refs.fwd.push(...found);
  }
  const forwardIds = params.intList('forward_messages');
  if (forwardIds.length > 0) refs.fwd.push(...pick(here, [], forwardIds));
  return refs;
}

/** Puts one message from a community into a peer and emits what VK emits. */
function deliver(context: CallContext, group: GroupRecord, peerId: number, content: Content): StoredMessage {
  const { state, params } = context;
  checkPeerAccess(state, group, peerId, true);
  const randomId = params.requireInt('random_id');
  const conversation = state.world.conversation(group.id, peerId);
  const duplicate = state.world.duplicateSend(conversation, randomId);
  if (duplicate) return duplicate;
  const refs = readReferences(state, group, params, peerId);
  if (
    content.text === '' &&
    content.attachments.length === 0 &&
    refs.fwd.length === 0 &&
    refs.reply === undefined
  ) {
    throw new VkError(100, 'message is empty or invalid');
  }
  const message = state.world.storeMessage(group.id, {
    peerId,
    fromId: -group.id,
    text: content.text,
    attachments: content.attachments,
    fwd: refs.fwd,
    ...(refs.reply ? { reply: refs.reply } : {}),
    ...(content.payload !== undefined ? { payload: content.payload } : {}),
    ...(content.keyboard ? { keyboard: content.keyboard } : {}),
    ...(content.template ? { template: content.template } : {}),
    randomId,
    sentByGroup: group.id,
  });
  state.sentMessages.push({ groupId: group.id, message, at: performance.now() - state.startedAt });
  state.userLongPoll.messageNew(message, group.id);
  // Outgoing messages of private dialogs come back to the community as message_reply.
  if (!isChatPeer(peerId)) state.world.emit(group.id, 'message_reply', messageView(message, group.id));
  return message;
}

function send(context: CallContext): unknown {
  if (context.caller.kind === 'user') return sendAsUser(context, context.caller.user);
  const group = callerGroup(context);
  const { state, params } = context;
  params.requireInt('random_id');
  const content = readContent(state, params);
  if (params.string('peer_ids') !== undefined) {
    const peers = params.intList('peer_ids');
    if (peers.length > MAX_PEER_IDS) throw new VkError(100, `peer_ids: at most ${MAX_PEER_IDS} peers`);
    return peers.map((peerId) => {
      try {
        const message = deliver(context, group, peerId, content);
        return {
          peer_id: peerId,
          message_id: isChatPeer(peerId) ? 0 : message.id,
          conversation_message_id: message.cmid,
        };
      } catch (error) {
        if (!(error instanceof VkError)) throw error;
        return { peer_id: peerId, error: { code: error.code, description: error.message } };
      }
    });
  }
  const message = deliver(context, group, destination(state, params), content);
  return isChatPeer(message.peerId) ? 0 : message.id;
}

/**
 * A user's token sends: to a community (`peer_id` = -group id) or to a chat the user is in — the
 * message the simulated user would write (`user.send`), with the community's events; the answer is
 * the message's id as the community sees it. Other peers (dialogs between users) are outside the
 * sandbox's world: error 100. Attachments are not simulated here.
 */
function sendAsUser(context: CallContext, user: UserRecord): unknown {
  const { state, params } = context;
  params.requireInt('random_id');
  const peerId = params.requireInt('peer_id');
  const text = params.string('message') ?? '';
  if (text.length === 0)
    throw new VkError(100, 'message is required (the sandbox simulates text from user tokens)');
  if (peerId < 0) {
    const group = state.world.group(-peerId);
    if (!group) throw new VkError(100, `peer_id: no community ${-peerId}`);
    return new SimUser(state, user, () => group).send(text, { groupId: group.id }).id;
  }
  if (isChatPeer(peerId)) {
    const chat = state.world.chats.get(peerId);
    const member = [...(chat?.members ?? [])].find((id) => id < 0);
    const group = member === undefined ? undefined : state.world.group(-member);
    if (!chat?.members.has(user.id) || group === undefined)
      throw new VkError(917, "You don't have access to this chat");
    new SimUser(state, user, () => group).send(text, { peerId });
    return 0;
  }
  throw new VkError(100, 'peer_id: in the sandbox a user writes to a community (-group id) or a chat');
}

/** The message a call names by `conversation_message_id`/`cmid` or `message_id`. */
function target(context: CallContext, group: GroupRecord): StoredMessage {
  const { state, params } = context;
  const peerId = params.requireInt('peer_id');
  checkPeerAccess(state, group, peerId, false);
  const conversation = state.world.conversation(group.id, peerId);
  const cmid = params.int('conversation_message_id') ?? params.int('cmid');
  const id = params.int('message_id');
  if (cmid === undefined && id === undefined)
    throw new VkError(100, 'message_id or conversation_message_id is required');
  const [message] = pick(conversation, cmid === undefined ? [] : [cmid], id === undefined ? [] : [id]);
  if (!message) throw new VkError(100, 'message not found');
  return message;
}

function edit(context: CallContext): unknown {
  const group = callerGroup(context);
  const { state, params } = context;
  const message = target(context, group);
  if (message.fromId !== -group.id) throw new VkError(920);
  const content = readContent(state, params);
  message.text = content.text;
  message.attachments = content.attachments;
  if (content.keyboard) message.keyboard = content.keyboard;
  if (content.template) message.template = content.template;
  if (!params.flag('keep_forward_messages')) message.fwd = [];
  message.updateTime = unixNow();
  message.version = state.world.nextVersion();
  state.world.emit(group.id, 'message_edit', messageView(message, group.id));
  state.userLongPoll.messageEdit(message, group.id);
  state.feed.publish(() => ({
    type: 'message_edit',
    groupId: group.id,
    peerId: message.peerId,
    message: messageView(message, group.id),
  }));
  return 1;
}

function remove(context: CallContext): unknown {
  const group = callerGroup(context);
  const { state, params } = context;
  const forAll = params.flag('delete_for_all');
  // VK's docs name it `cmids`; older SDKs send `conversation_message_ids`. Both are taken.
  const cmids = [...params.intList('cmids'), ...params.intList('conversation_message_ids')];
  if (cmids.length > 0) {
    const peerId = params.requireInt('peer_id');
    checkPeerAccess(state, group, peerId, false);
    const conversation = state.world.conversation(group.id, peerId);
    const removed: number[] = [];
    const answer = cmids.map((cmid) => {
      const message = conversation.messages.get(cmid);
      const allowed =
        message !== undefined && !message.deleted && (message.fromId === -group.id || !isChatPeer(peerId));
      if (allowed) {
        message.deleted = true;
        state.userLongPoll.messageDeleted(message, group.id, -group.id, forAll);
        removed.push(cmid);
      }
      return {
        peer_id: peerId,
        message_id: message && !isChatPeer(peerId) ? message.id : 0,
        conversation_message_id: cmid,
        response: allowed ? 1 : 0,
      };
    });
    if (removed.length > 0) {
      state.feed.publish(() => ({
        type: 'message_delete',
        groupId: group.id,
        peerId,
        cmids: removed,
        forAll,
      }));
    }
    return answer;
  }
  const ids = params.intList('message_ids');
  if (ids.length === 0) throw new VkError(100, 'message_ids or conversation_message_ids is required');
  const result: Record<string, 0 | 1> = {};
  for (const id of ids) {
    const hit = state.sentMessages.find(
      ({ groupId, message }) => groupId === group.id && message.id === id && !message.deleted,
    );
    if (hit) {
      hit.message.deleted = true;
      state.userLongPoll.messageDeleted(hit.message, group.id, -group.id, forAll);
      const { peerId, cmid } = hit.message;
      state.feed.publish(() => ({
        type: 'message_delete',
        groupId: group.id,
        peerId,
        cmids: [cmid],
        forAll,
      }));
    }
    result[String(id)] = hit ? 1 : 0;
  }
  return result;
}

function conversationView(state: SandboxState, group: GroupRecord, peerId: number): VkObject | undefined {
  const chat = state.world.chats.get(peerId);
  if (isChatPeer(peerId) ? !chat?.members.has(-group.id) : !state.world.users.has(peerId)) return undefined;
  const conversation = state.world.conversation(group.id, peerId);
  const last = conversation.messages.get(conversation.lastCmid);
  const view: VkObject = {
    peer: {
      id: peerId,
      type: isChatPeer(peerId) ? 'chat' : 'user',
      local_id: isChatPeer(peerId) ? peerId - CHAT_PEER_BASE : peerId,
    },
    last_message_id: last && !isChatPeer(peerId) ? last.id : 0,
    in_read: 0,
    out_read: 0,
    in_read_cmid: conversation.lastCmid,
    out_read_cmid: conversation.lastCmid,
    sort_id: { major_id: 0, minor_id: conversation.lastCmid },
    last_conversation_message_id: conversation.lastCmid,
    is_marked_unread: false,
    important: false,
    can_write: { allowed: isChatPeer(peerId) || state.world.canMessage(group, peerId) },
  };
  if (chat) {
    view.chat_settings = {
      owner_id: chat.ownerId,
      title: chat.title,
      admin_ids: [...chat.admins],
      state: 'in',
      active_ids: [...chat.members].filter((id) => id > 0),
      members_count: chat.members.size,
      is_group_channel: false,
    };
  }
  return view;
}

function getConversationsById(context: CallContext): unknown {
  const group = callerGroup(context);
  const { state, params } = context;
  const peerIds = params.intList('peer_ids');
  if (peerIds.length === 0) throw new VkError(100, 'peer_ids is a required parameter');
  const items = peerIds.flatMap((peerId) => conversationView(state, group, peerId) ?? []);
  const result: VkObject = { count: items.length, items };
  if (params.flag('extended')) {
    const fields = params.list('fields');
    result.profiles = peerIds.flatMap((peerId) => {
      const user = state.world.users.get(peerId);
      return user ? [userView(user, fields)] : [];
    });
    result.groups = [groupView(group)];
  }
  return result;
}

function getByConversationMessageId(context: CallContext): unknown {
  const group = callerGroup(context);
  const { state, params } = context;
  const peerId = params.requireInt('peer_id');
  checkPeerAccess(state, group, peerId, false);
  const cmids = params.intList('conversation_message_ids');
  if (cmids.length === 0) throw new VkError(100, 'conversation_message_ids is a required parameter');
  const items = pick(state.world.conversation(group.id, peerId), cmids, []).map((message) =>
    messageView(message, group.id),
  );
  return { count: items.length, items };
}

function sendMessageEventAnswer(context: CallContext): unknown {
  const group = callerGroup(context);
  const { state, params } = context;
  const eventId = params.requireString('event_id');
  const userId = params.requireInt('user_id');
  const peerId = params.requireInt('peer_id');
  const eventData = params.json('event_data', () => new VkError(100, 'event_data is not valid JSON'));
  if ((params.string('event_data') ?? '').length > 1000) throw new VkError(100, 'event_data is too long');
  const press = state.pendingPresses.get(eventId);
  const expired = press !== undefined && Date.now() - press.at > state.options.eventAnswerTtlMs;
  if (!press || expired || press.groupId !== group.id || press.userId !== userId || press.peerId !== peerId) {
    throw new VkError(100, 'event_id is invalid or expired');
  }
  press.answered = true;
  const record: SandboxState['eventAnswers'][number] = { groupId: group.id, eventId, userId, peerId };
  if (typeof eventData === 'object' && eventData !== null) {
    record.eventData = eventData as VkObject;
    const data = eventData as VkObject;
    if (data.type === 'show_snackbar' && typeof data.text === 'string') {
      if (data.text.length > 90) throw new VkError(100, 'event_data.text is longer than 90 characters');
      record.snackbar = data.text;
    }
  }
  state.eventAnswers.push(record);
  state.feed.publish(() => ({
    type: 'event_answer',
    groupId: group.id,
    peerId,
    userId,
    eventId,
    ...(record.eventData ? { eventData: record.eventData } : {}),
  }));
  return 1;
}

/**
 * A User Long Poll server of the caller's account (a user, or -group_id for a community token).
 * Only `lp_version` 3 is spoken; the answer's `server` has no scheme, as VK's does.
 */
function getLongPollServer(context: CallContext): unknown {
  const { state, params, caller } = context;
  const owner = caller.kind === 'group' ? -caller.group.id : caller.user.id;
  const hub = state.userLongPoll;
  const { lastSeq } = hub.open(owner);
  const answer: VkObject = {
    key: hub.keys.issue(owner),
    server: `${state.origin.replace(/^https?:\/\//, '')}/im/${owner}`,
    ts: lastSeq,
  };
  if (params.flag('need_pts')) answer.pts = hub.pts(lastSeq);
  return answer;
}

/** The `messages.*` methods of a community bot (chat membership ones from `chats.ts`). */
export const messageMethods: MethodTable = {
  ...chatMethods,
  'messages.send': { run: send, tokens: 'any' },
  'messages.edit': { run: edit, tokens: 'group' },
  'messages.delete': { run: remove, tokens: 'group' },
  'messages.getConversationsById': { run: getConversationsById, tokens: 'group' },
  'messages.getByConversationMessageId': { run: getByConversationMessageId, tokens: 'group' },
  'messages.sendMessageEventAnswer': { run: sendMessageEventAnswer, tokens: 'group' },
  'messages.getLongPollServer': { run: getLongPollServer },
  'messages.setActivity': {
    tokens: 'group',
    run: (context) => {
      const group = callerGroup(context);
      const peerId = context.params.requireInt('peer_id');
      checkPeerAccess(context.state, group, peerId, false);
      const state = context.params.string('type') ?? 'typing';
      context.state.feed.publish(() => ({
        type: 'typing',
        groupId: group.id,
        peerId,
        fromId: -group.id,
        state,
      }));
      return 1;
    },
  },
};
