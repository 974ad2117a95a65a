import { VkwireConfigError } from '@vkwire/core';
import { ClientClosedError, DisconnectsClientError, ErrorReply } from 'redis';
import { VkwireBusError } from './bus/errors.js';

/** Redis error replies that mean "not now" (a restart loading its AOF, a failover), not "never". */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;

/**
 * @internal Whether a failed command may be sent again: a lost connection, a closed socket, a
 * server still loading. An error reply about the command itself (WRONGTYPE, OOM, a script error)
 * is final, and so are our own errors (a partition mismatch, a bad option), and a client its owner
 * closed or destroyed: it never reconnects, so retrying it would only loop until the deadline.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof VkwireBusError || error instanceof VkwireConfigError) return false;
  if (error instanceof ClientClosedError || error instanceof DisconnectsClientError) return false;
  if (error instanceof ErrorReply) return TRANSIENT_REPLY.test(error.message);
  return true;
}

/** @internal The pause before retry `attempt` (1-based): none first, since node-redis queues the command until it reconnects, then growing to 1 s. */
export function retryDelayMs(attempt: number): number {
  return attempt <= 1 ? 0 : Math.min(1_000, 25 * 2 ** (attempt - 2));
}
