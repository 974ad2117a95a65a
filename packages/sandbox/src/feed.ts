import type { VkObject } from './world/types.js';

/**
 * One thing that happened in a conversation, as the live feed (`GET /_sandbox/feed`) and
 * `vk.feed.subscribe` report it: what bots did (sends, edits, deletions, typing, answers to
 * callback buttons) and what simulated users did (messages, typing, button presses, reactions,
 * community actions). `groupId` is the community whose dialog it is (private peers) or the
 * community that acted; `peerId` the conversation.
 */
export type FeedItem =
  | {
      /** A message was stored: by a user, a bot, or a chat service message (`message.action`). */
      type: 'message_new' | 'message_edit';
      groupId: number;
      peerId: number;
      /** The message as a community sees it (`messageView`), without `deleted` messages. */
      message: VkObject;
    }
  | { type: 'message_delete'; groupId: number; peerId: number; cmids: number[]; forAll: boolean }
  | {
      /** `fromId` is a user id, or -groupId for a bot's `messages.setActivity`. */
      type: 'typing';
      groupId: number;
      peerId: number;
      fromId: number;
      state: string;
    }
  | {
      /** A user pressed a callback button (the bot gets `message_event`). */
      type: 'message_event';
      groupId: number;
      peerId: number;
      userId: number;
      cmid: number;
      eventId: string;
      payload: unknown;
    }
  | {
      /** A bot's `messages.sendMessageEventAnswer`: `eventData` is a snackbar, a link or an app. */
      type: 'event_answer';
      groupId: number;
      peerId: number;
      userId: number;
      eventId: string;
      eventData?: VkObject;
    }
  | { type: 'reaction'; groupId: number; peerId: number; userId: number; cmid: number; reactionId: number }
  | {
      /** Community actions of a user: join/leave, allow/deny messages. */
      type: 'group_join' | 'group_leave' | 'message_allow' | 'message_deny';
      groupId: number;
      peerId: number;
      userId: number;
    };

/** A receiver of feed items; `end` is called once when the feed closes (the sandbox stops). */
export interface FeedListener {
  item(item: FeedItem): void;
  end(): void;
}

/**
 * The one subscription point of what happens in the sandbox's conversations. Owned by the
 * sandbox's state and closed with it: after `close()` every listener has had `end()` and
 * subscribing throws. Publishing builds an item only when someone listens, so a sandbox nobody
 * watches (benchmarks) pays one size check per message.
 */
export class SandboxFeed {
  private readonly listeners = new Set<FeedListener>();
  private closedFlag = false;

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /** How many listeners are subscribed. */
  get size(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener; returns its unsubscribe function (idempotent).
   *
   * @throws {Error} when the feed is closed (the sandbox stopped).
   */
  subscribe(listener: FeedListener): () => void {
    if (this.closedFlag) throw new Error('sandbox feed: closed (the sandbox stopped)');
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Delivers an item to every listener; `build` runs only when there is one. */
  publish(build: () => FeedItem): void {
    if (this.listeners.size === 0) return;
    const item = build();
    for (const listener of [...this.listeners]) listener.item(item);
  }

  /** Ends every listener and refuses new ones. Idempotent. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener.end();
  }
}
