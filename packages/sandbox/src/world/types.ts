/** A JSON object as VK sends it. */
export type VkObject = Record<string, unknown>;

/** Settings of one event stream (Bots Long Poll or one Callback server). */
export interface StreamSettings {
  /** API version of the objects the stream delivers. */
  apiVersion: string;
  /** `event type → 0|1` as `groups.get*Settings` report them. */
  events: Record<string, 0 | 1>;
}

/** A Callback API server registered for a community (`groups.addCallbackServer`). */
export interface CallbackServerRecord {
  id: number;
  title: string;
  creatorId: number;
  url: string;
  secretKey: string;
  status: 'unconfigured' | 'failed' | 'wait' | 'ok';
  settings: StreamSettings;
}

/** A simulated community. */
export interface GroupRecord {
  id: number;
  name: string;
  screenName: string;
  /** Community access tokens (each rate-limited on its own). */
  tokens: string[];
  /** Bots Long Poll on/off and its event flags. */
  longPoll: StreamSettings & { enabled: boolean };
  callbackServers: CallbackServerRecord[];
  confirmationCode: string;
  /** Users who joined the community. */
  members: Set<number>;
  /** Users who allowed (true) or denied (false) messages from the community. */
  messagePermission: Map<number, boolean>;
  /** Mailbox message id counter of the community. */
  lastMessageId: number;
}

/** A simulated user. */
export interface UserRecord {
  id: number;
  firstName: string;
  lastName: string;
  screenName: string;
  /** 0 unknown, 1 female, 2 male (VK's values). */
  sex: 0 | 1 | 2;
  token: string;
  /** The `client_info` this user's messages carry. */
  clientInfo: VkObject;
}

/** How a member came into a chat (`invited_by` / `join_date` of `messages.getConversationMembers`). */
export interface ChatMembership {
  invitedBy: number;
  joinDate: number;
}

/** A group chat (peer 2000000000 + chat_id). */
export interface ChatRecord {
  chatId: number;
  peerId: number;
  title: string;
  /** The creator: a user id, or -group_id when a community created the chat. */
  ownerId: number;
  /** Member ids: users positive, communities negative. */
  members: Set<number>;
  /** Who invited each member and when; kept in step with `members`. */
  joined: Map<number, ChatMembership>;
  /** Admin ids (the owner is always one). */
  admins: Set<number>;
  /** cmid of the pinned message, if any. */
  pinnedCmid?: number;
}

/** A message as the sandbox stores it; what a community sees is derived from it. */
export interface StoredMessage {
  /** Mailbox id in the community's dialog (private peers); 0 is used for chats. */
  id: number;
  cmid: number;
  date: number;
  updateTime?: number;
  peerId: number;
  fromId: number;
  text: string;
  attachments: VkObject[];
  fwd: StoredMessage[];
  reply?: StoredMessage;
  payload?: string;
  keyboard?: VkObject;
  template?: VkObject;
  randomId: number;
  version: number;
  action?: VkObject;
  extra?: VkObject;
  deleted: boolean;
  /** The community that sent it (outgoing bot messages). */
  sentByGroup?: number;
}

/** A conversation: the messages of one peer (a private dialog is per community). */
export interface ConversationRecord {
  peerId: number;
  lastCmid: number;
  messages: Map<number, StoredMessage>;
  /** random_id → message, for VK's duplicate-send check. */
  randomIds: Map<number, { message: StoredMessage; at: number }>;
}
