import { errorText } from '@vkwire/core';
import type { NameKind } from './options.js';

/** Why names were given up on: out of time, a failure no retry fixes, or the resolver closed. */
export type NameResolveErrorCode = 'timeout' | 'failed' | 'closed';

const METHODS: Readonly<Record<NameKind, string>> = {
  user: 'users.get',
  group: 'groups.getById',
  chat: 'messages.getConversationsById',
};

/**
 * Names of some ids could not be fetched, so they went out null. It is never thrown to the
 * resolver's callers: `onUnresolved` gets it, and `cause` holds the last error of the VK API.
 *
 * @example
 * createApiNameResolver({ api, onUnresolved: (kind, ids, error) => log.warn({ kind, code: error.code }, error.message) });
 */
export class NameResolveError extends Error {
  override readonly name = 'NameResolveError';
  /** `timeout`: retried until `timeoutMs` ran out; `failed`: an error no retry fixes; `closed`: `close()` was called. */
  readonly code: NameResolveErrorCode;
  /** What the names were of. */
  readonly kind: NameKind;
  /** How many ids were left without names. */
  readonly count: number;

  constructor(kind: NameKind, count: number, code: NameResolveErrorCode, cause?: unknown) {
    const what = `${METHODS[kind]}: names of ${count} ${kind === 'chat' ? 'chat' : kind}${count === 1 ? '' : 's'}`;
    const why =
      code === 'closed'
        ? 'not fetched: the resolver was closed'
        : code === 'timeout'
          ? 'not fetched in time'
          : 'not fetched: VK refused the call (not retried)';
    super(`${what} ${why}${cause === undefined ? '' : ` (${errorText(cause)})`}`, { cause });
    this.code = code;
    this.kind = kind;
    this.count = count;
  }
}
