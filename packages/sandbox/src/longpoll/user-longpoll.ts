import type { SandboxState } from '../state.js';
import { CHAT_PEER_BASE, isChatPeer } from '../world/message-view.js';
import type { StoredMessage } from '../world/types.js';
import { answerLongPoll, failedJson, type LongPollOutcome } from './answer.js';
import { EventStream } from './event-stream.js';
import { LongPollKeys } from './keys.js';
import {
  type MessageUpdate,
  MODE_PTS,
  messageVariants,
  sameForAllModes,
  type UpdateVariants,
  USER_MESSAGE_FLAGS,
  variantOf,
} from './user-updates.js';

/** The only User Long Poll version whose layout the sandbox speaks. */
export const USER_LONG_POLL_VERSION = 3;

/**
 * `pts` is a counter of its own on VK; here it moves with ts, from a different base, so that a
 * client which mixes the two up is caught.
 */
const PTS_BASE = 10_000_000;

/** One account's User Long Poll: the owner is a user id, or -group_id for a community token. */
interface OwnerStream {
  owner: number;
  /**
   * The history, once per `mode` variant (attachments on/off × random_id on/off): every update
   * is serialized once per variant when it happens, so an answer is a slice of stored bytes, as
   * Bots Long Poll answers are.
   */
  variants: readonly [EventStream, EventStream, EventStream, EventStream];
  /** Conversations with unread incoming messages (what event 80 counts). */
  unread: Set<string>;
}

/** Someone who sees a conversation and the peer id it has for them. */
interface Participant {
  owner: number;
  peer: number;
}

/**
 * The User Long Poll of the sandbox: a stream per account that asked for one
 * (`messages.getLongPollServer`), its keys, the mailbox ids users see, and the events the
 * simulated actions produce (vk-protocol §4, version 3).
 */
export class UserLongPollHub {
  private readonly owners = new Map<number, OwnerStream>();
  /** Keys, each valid for one account's stream. */
  readonly keys: LongPollKeys;
  /** Last mailbox id per user; communities use their own counter (`GroupRecord.lastMessageId`). */
  private readonly mailboxes = new Map<number, number>();
  private readonly mailboxIds = new WeakMap<StoredMessage, Map<number, number>>();
  /** `owner|conversation` → the cmid the owner has read up to. */
  private readonly readMarks = new Map<string, number>();

  constructor(private readonly state: SandboxState) {
    this.keys = new LongPollKeys(() => state.options.longPoll.keyTtlMs);
  }

  /** The stream of an account, created on first use (its history starts then). */
  open(owner: number): { lastSeq: number } {
    let stream = this.owners.get(owner);
    if (!stream) {
      const options = { historySize: this.state.options.longPoll.historySize };
      stream = {
        owner,
        variants: [
          new EventStream(options),
          new EventStream(options),
          new EventStream(options),
          new EventStream(options),
        ],
        unread: new Set(),
      };
      this.owners.set(owner, stream);
    }
    return { lastSeq: stream.variants[0].lastSeq };
  }

  /** The newest ts of an account's stream (0 when it has none). */
  lastSeq(owner: number): number {
    return this.owners.get(owner)?.variants[0].lastSeq ?? 0;
  }

  /** The pts that goes with a ts. */
  pts(ts: number): number {
    return PTS_BASE + ts;
  }

  /** The stored history an answer for `mode` reads. */
  stream(owner: number, mode: number): EventStream {
    this.open(owner);
    return (this.owners.get(owner) as OwnerStream).variants[variantOf(mode)];
  }

  /** Puts an update into an account's stream as it is given (any code, any shape). */
  emitRaw(owner: number, update: readonly unknown[]): void {
    this.open(owner);
    this.push(this.owners.get(owner) as OwnerStream, sameForAllModes(update));
  }

  /**
   * A new message (event 4) for everyone in its conversation who has a stream: outgoing for its
   * author (who thereby reads the conversation: events 6 and 80 for them, 7 for the author of
   * what they read), incoming and unread for the others (with 80 when a dialog becomes unread).
   * `groupId` is the community of a private dialog.
   */
  messageNew(message: StoredMessage, groupId: number, options: { oldTitle?: string } = {}): void {
    // Nobody polls: skip the bookkeeping, so a sandbox without User Long Poll pays nothing.
    if (this.owners.size === 0) return;
    const parts = this.participants(message.peerId, groupId);
    const conversation = this.conversationKey(message.peerId, groupId);
    this.markRead(message, groupId, conversation, parts);
    for (const part of parts) {
      const stream = this.owners.get(part.owner);
      if (!stream) continue;
      this.push(stream, messageVariants(this.messageUpdate(4, message, part, conversation, parts, options)));
      if (message.fromId !== part.owner && !stream.unread.has(conversation)) {
        stream.unread.add(conversation);
        this.push(stream, sameForAllModes([80, stream.unread.size, 0]));
      }
    }
  }

  /** An edited message (event 5, with the edit time) for everyone in its conversation. */
  messageEdit(message: StoredMessage, groupId: number): void {
    if (this.owners.size === 0) return;
    const parts = this.participants(message.peerId, groupId);
    const conversation = this.conversationKey(message.peerId, groupId);
    for (const part of parts) {
      const stream = this.owners.get(part.owner);
      if (!stream) continue;
      this.push(stream, messageVariants(this.messageUpdate(5, message, part, conversation, parts, {})));
    }
  }

  /**
   * A deleted message: event 2 with the DELETED flag for `by` (deleting is local), and for every
   * participant with DELETE_FOR_ALL too when `forAll`.
   */
  messageDeleted(message: StoredMessage, groupId: number, by: number, forAll: boolean): void {
    if (this.owners.size === 0) return;
    const mask = USER_MESSAGE_FLAGS.deleted | (forAll ? USER_MESSAGE_FLAGS.deleteForAll : 0);
    for (const part of this.participants(message.peerId, groupId)) {
      const stream = this.owners.get(part.owner);
      if (!stream || (part.owner !== by && !forAll)) continue;
      this.push(stream, sameForAllModes([2, this.idFor(part.owner, message), mask, part.peer]));
    }
  }

  /** A user typing: event 61 to the community of a private dialog, 62 to the other members of a chat. */
  typing(userId: number, peerId: number, groupId: number): void {
    if (this.owners.size === 0) return;
    if (!isChatPeer(peerId)) {
      const stream = this.owners.get(-groupId);
      if (stream) this.push(stream, sameForAllModes([61, userId, 1]));
      return;
    }
    for (const part of this.participants(peerId, groupId)) {
      const stream = this.owners.get(part.owner);
      if (stream && part.owner !== userId)
        this.push(stream, sameForAllModes([62, userId, peerId - CHAT_PEER_BASE]));
    }
  }

  private push(stream: OwnerStream, variants: UpdateVariants): void {
    stream.variants.forEach((variant, index) => {
      variant.push(variants[index] as string);
    });
  }

  /** Who sees a conversation: the members of a chat, or the community and the user of a dialog. */
  private participants(peerId: number, groupId: number): Participant[] {
    if (isChatPeer(peerId)) {
      return [...(this.state.world.chats.get(peerId)?.members ?? [])].map((owner) => ({
        owner,
        peer: peerId,
      }));
    }
    return [
      { owner: -groupId, peer: peerId },
      { owner: peerId, peer: -groupId },
    ];
  }

  private conversationKey(peerId: number, groupId: number): string {
    return isChatPeer(peerId) ? `chat:${peerId}` : `${groupId}:${peerId}`;
  }

  /**
   * The message id an account sees: a community's own mailbox id in private dialogs (what
   * `messages.send` returned), 0 for a community in chats (it has no mailbox ids there, as in its
   * API objects), and a per-user mailbox id for users.
   */
  private idFor(owner: number, message: StoredMessage): number {
    if (owner < 0) return isChatPeer(message.peerId) ? 0 : message.id;
    let ids = this.mailboxIds.get(message);
    if (!ids) {
      ids = new Map();
      this.mailboxIds.set(message, ids);
    }
    let id = ids.get(owner);
    if (id === undefined) {
      id = (this.mailboxes.get(owner) ?? 0) + 1;
      this.mailboxes.set(owner, id);
      ids.set(owner, id);
    }
    return id;
  }

  private readMark(owner: number, conversation: string): number {
    return this.readMarks.get(`${owner}|${conversation}`) ?? 0;
  }

  /**
   * The author of a new message has read its conversation (VK marks a dialog read when you
   * write to it): event 6 (and 80 when the unread count drops) for them, and event 7 for the
   * author of the newest message they read.
   */
  private markRead(
    message: StoredMessage,
    groupId: number,
    conversation: string,
    parts: Participant[],
  ): void {
    const reader = message.fromId;
    const previous = this.readMark(reader, conversation);
    this.readMarks.set(`${reader}|${conversation}`, message.cmid);
    const messages = this.state.world.conversation(groupId, message.peerId).messages;
    let last: StoredMessage | undefined;
    for (let cmid = message.cmid - 1; cmid > previous && !last; cmid -= 1) {
      const candidate = messages.get(cmid);
      if (candidate && candidate.fromId !== reader) last = candidate;
    }
    if (!last) return;
    const readerPart = parts.find((part) => part.owner === reader);
    const readerStream = this.owners.get(reader);
    if (readerStream && readerPart) {
      this.push(readerStream, sameForAllModes([6, readerPart.peer, this.idFor(reader, last)]));
      if (readerStream.unread.delete(conversation)) {
        this.push(readerStream, sameForAllModes([80, readerStream.unread.size, 0]));
      }
    }
    const authorPart = parts.find((part) => part.owner === last.fromId);
    const authorStream = this.owners.get(last.fromId);
    if (authorStream && authorPart) {
      this.push(authorStream, sameForAllModes([7, authorPart.peer, this.idFor(last.fromId, last)]));
    }
  }

  private messageUpdate(
    code: 4 | 5,
    message: StoredMessage,
    part: Participant,
    conversation: string,
    parts: Participant[],
    options: { oldTitle?: string },
  ): MessageUpdate {
    const outbox = message.fromId === part.owner;
    // Unread: incoming until the viewer read it; outgoing until someone else did.
    const read = outbox
      ? parts.some(
          (other) => other.owner !== part.owner && this.readMark(other.owner, conversation) >= message.cmid,
        )
      : this.readMark(part.owner, conversation) >= message.cmid;
    let flags = read ? 0 : USER_MESSAGE_FLAGS.unread;
    if (outbox) flags |= USER_MESSAGE_FLAGS.outbox;
    if (isChatPeer(message.peerId)) flags |= USER_MESSAGE_FLAGS.groupChat;
    const update: MessageUpdate = {
      code,
      messageId: this.idFor(part.owner, message),
      flags,
      peerId: part.peer,
      time: code === 5 ? (message.updateTime ?? message.date) : message.date,
      message,
      randomId: outbox ? message.randomId : 0,
      idOf: (item) => this.idFor(part.owner, item),
    };
    const chat = this.state.world.chats.get(message.peerId);
    if (chat) update.chatTitle = chat.title;
    if (options.oldTitle !== undefined) update.oldTitle = options.oldTitle;
    return update;
  }
}

/**
 * Answers `GET /im/<owner>?act=a_check&key=&ts=&wait=&mode=&version=3` with User Long Poll v3
 * semantics: integer `ts` (and `pts` with mode 32), the `mode` variant of each update, `failed: 4`
 * with the accepted range for any version but 3, `failed: 2` for a bad key, and the long poll
 * handling every endpoint shares (faults of the `userLongPoll` target, failed 1, holding).
 */
export function answerUserLongPoll(
  state: SandboxState,
  owner: number,
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<LongPollOutcome> {
  const hub = state.userLongPoll;
  const modeOf = (request: URLSearchParams): number => {
    const mode = Number(request.get('mode') ?? 0);
    return Number.isInteger(mode) && mode > 0 ? mode : 0;
  };
  return answerLongPoll(
    state,
    {
      faultTarget: 'userLongPoll',
      expireKeys: () => hub.keys.expire(owner),
      lastSeq: () => hub.lastSeq(owner),
      reject: (request) => {
        if (Number(request.get('version') ?? Number.NaN) !== USER_LONG_POLL_VERSION) {
          // The range the sandbox accepts, not VK's 0–19: it only speaks the v3 layout.
          return `{"failed":4,"min_version":${USER_LONG_POLL_VERSION},"max_version":${USER_LONG_POLL_VERSION}}`;
        }
        if (request.get('act') !== 'a_check' || hub.keys.owner(request.get('key') ?? '') !== owner) {
          return failedJson(2);
        }
        return undefined;
      },
      stream: (request) => hub.stream(owner, modeOf(request)),
      head: (ts, request) =>
        (modeOf(request) & MODE_PTS) !== 0
          ? `{"ts":${ts},"pts":${hub.pts(ts)},"updates":[`
          : `{"ts":${ts},"updates":[`,
    },
    query,
    signal,
  );
}
