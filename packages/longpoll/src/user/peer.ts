/** Group chat peers are `2000000000 + chat_id`. */
export const CHAT_PEER_BASE = 2_000_000_000;

/**
 * User Long Poll `version=0` gave community peers as `group_id + 1000000000` instead of
 * `-group_id`. We pin version 3, where communities are negative; this is for reading old data.
 */
export const LEGACY_COMMUNITY_PEER_BASE = 1_000_000_000;

/** What a peer id names. */
export type PeerType = 'user' | 'chat' | 'community';

/** A peer id with what it names and the id local to its kind. */
export type PeerInfo =
  | { type: 'user'; peerId: number; userId: number }
  | { type: 'chat'; peerId: number; chatId: number }
  | { type: 'community'; peerId: number; groupId: number };

/** Options of the peer helpers. */
export interface PeerOptions {
  /**
   * The User Long Poll version the id came from: `0` reads `1000000000 < peer < 2000000000` as a
   * community (`group_id + 1000000000`).
   * @default 3
   */
  version?: number;
}

/**
 * What a peer id names: a chat above 2000000000, a community below 0, else a user.
 *
 * @example
 * peerType(2000000012); // 'chat'
 * peerType(-218734561); // 'community'
 */
export function peerType(peerId: number, options: PeerOptions = {}): PeerType {
  return describePeer(peerId, options).type;
}

/**
 * A peer id with its kind and local id (the chat id of a chat, the group id of a community).
 *
 * @example
 * describePeer(2000000012); // { type: 'chat', peerId: 2000000012, chatId: 12 }
 */
export function describePeer(peerId: number, options: PeerOptions = {}): PeerInfo {
  if (peerId > CHAT_PEER_BASE) return { type: 'chat', peerId, chatId: peerId - CHAT_PEER_BASE };
  if (peerId < 0) return { type: 'community', peerId, groupId: -peerId };
  if (options.version === 0 && peerId > LEGACY_COMMUNITY_PEER_BASE) {
    return { type: 'community', peerId, groupId: peerId - LEGACY_COMMUNITY_PEER_BASE };
  }
  return { type: 'user', peerId, userId: peerId };
}

/** The peer id of a group chat (`2000000000 + chatId`). */
export function chatPeerId(chatId: number): number {
  return CHAT_PEER_BASE + chatId;
}
