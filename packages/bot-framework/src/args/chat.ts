import { type Argument, createArgument } from './argument.js';

/** Peer ids of group chats start above this (peer = 2000000000 + chat id). */
export const CHAT_PEER_BASE = 2_000_000_000;

/** A chat as a peer id: `2000000005` stays, a chat id `5` becomes `2000000005`. */
export function chat(): Argument<number> {
  return createArgument({
    kind: 'chat',
    typeName: 'chat',
    expected: 'a chat id or peer id',
    source: 'token',
    convert: (token) => {
      if (!/^\d+$/.test(token)) return undefined;
      const id = Number(token);
      if (!Number.isSafeInteger(id) || id <= 0) return undefined;
      return id > CHAT_PEER_BASE ? id : CHAT_PEER_BASE + id;
    },
  });
}
