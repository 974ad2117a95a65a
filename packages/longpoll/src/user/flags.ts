/**
 * Message flag bits of User Long Poll events 1–5 (version 3), by our camelCase name.
 * Bits VK has not documented for v3 (8192 "in a group chat", 4096 "voice message listened",
 * 2097152 "reply" — observed only) are left to `unknownBits`.
 */
export const MESSAGE_FLAGS = {
  /** 1: not read yet. */
  unread: 1,
  /** 2: sent by the account the stream belongs to. */
  outbox: 2,
  /** 4: answered. */
  replied: 4,
  /** 8: marked important. */
  important: 8,
  /** 16: sent via a chat (legacy). */
  chat: 16,
  /** 32: from a friend (never set in group chats). */
  friends: 32,
  /** 64: marked as spam. */
  spam: 64,
  /** 128: deleted (locally). */
  deleted: 128,
  /** 256: checked for spam by the user. */
  fixed: 256,
  /** 512: has media. */
  media: 512,
  /** 65536: a community's greeting message. */
  hidden: 65536,
  /** 131072: deleted for every recipient. */
  deleteForAll: 131072,
  /** 262144: an incoming message that was not delivered. */
  notDelivered: 262144,
} as const;

/** The name of a message flag. */
export type MessageFlagName = keyof typeof MESSAGE_FLAGS;

/**
 * Flags (or a flag mask) decoded into one named boolean per bit of a flag table. `raw` is the
 * number VK sent; `unknownBits` holds the bits that have no name here, so nothing is dropped.
 */
export type DecodedFlags<Name extends string> = { readonly [K in Name]: boolean } & {
  /** The number as VK sent it. */
  readonly raw: number;
  /** `raw` without the named bits (0 when every set bit has a name). */
  readonly unknownBits: number;
};

/**
 * Message flags (or a flag mask) decoded into named booleans, with `raw` and `unknownBits`.
 *
 * @example
 * decodeMessageFlags(8193); // { unread: true, outbox: false, ..., unknownBits: 8192, raw: 8193 }
 */
export type MessageFlags = DecodedFlags<MessageFlagName>;

/** Dialog (peer) flag bits of events 10–12; they exist for community dialogs only. */
export const DIALOG_FLAGS = {
  /** 1: the dialog is marked important. */
  important: 1,
  /** 2: the dialog is unanswered. */
  unanswered: 2,
} as const;

/** The name of a dialog flag. */
export type DialogFlagName = keyof typeof DIALOG_FLAGS;

/** Dialog flags (or a mask) decoded into named booleans, with `raw` and `unknownBits`. */
export type DialogFlags = DecodedFlags<DialogFlagName>;

// Arithmetic instead of `&`: bitwise operators work on 32-bit signed integers, and a future flag
// at 2^31 or above would turn negative and break every test below it.
function hasBit(value: number, bit: number): boolean {
  return value > 0 && Math.floor(value / bit) % 2 === 1;
}

function decodeBits<N extends string>(table: Readonly<Record<N, number>>, value: number): DecodedFlags<N> {
  const decoded: Record<string, boolean | number> = {};
  let known = 0;
  for (const name of Object.keys(table) as N[]) {
    const bit = table[name];
    const set = hasBit(value, bit);
    decoded[name] = set;
    if (set) known += bit;
  }
  decoded.raw = value;
  decoded.unknownBits = value > 0 ? value - known : value;
  return decoded as DecodedFlags<N>;
}

/**
 * Decodes message flags (events 1–5). Unknown bits stay in `unknownBits`.
 *
 * @example
 * const flags = decodeMessageFlags(3);
 * flags.unread && flags.outbox; // true: an outgoing message the other side has not read yet
 */
export function decodeMessageFlags(value: number): MessageFlags {
  return decodeBits(MESSAGE_FLAGS, value);
}

/** Decodes dialog flags (events 10–12). Unknown bits stay in `unknownBits`. */
export function decodeDialogFlags(value: number): DialogFlags {
  return decodeBits(DIALOG_FLAGS, value);
}
