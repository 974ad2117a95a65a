import type { VkwireEvent } from '@vkwire/events-schema';

/**
 * Where a bus lives in Redis. One name (`stream`, default `vkwire:events`) gives:
 * - `{<stream>:<n>}` — partition n's stream (n = 0 … partitions − 1). The braces are a Cluster hash
 *   tag: every key of one partition (its stream, its dedupe keys) is in one slot, so one Lua script
 *   may touch them all.
 * - `{<stream>:<n>}:seen:<event_id>` — the dedupe mark of an event published to partition n.
 * - `<stream>:meta` — a hash with `partitions` (fixed by the first publisher or consumer).
 * - `<stream>:dead` — the dead-letter stream.
 * Consumers keep their own keys under `<stream>:group:<group>:`.
 */
export interface BusLayout {
  readonly stream: string;
  readonly partitions: number;
}

/** The stream of partition `n`. */
export function partitionKey(layout: BusLayout, n: number): string {
  return `{${layout.stream}:${n}}`;
}

/** The dedupe mark of `eventId` in partition `n` (same slot as the partition's stream). */
export function seenKey(layout: BusLayout, n: number, eventId: string): string {
  return `{${layout.stream}:${n}}:seen:${eventId}`;
}

/** The hash that records the partition count. */
export function metaKey(stream: string): string {
  return `${stream}:meta`;
}

/** The dead-letter stream. */
export function deadLetterKey(stream: string): string {
  return `${stream}:dead`;
}

/** The prefix of a consumer group's own keys (leases, membership). */
export function groupPrefix(stream: string, group: string): string {
  return `${stream}:group:${group}:`;
}

/** The conversation an event belongs to: its peer, else who caused it, else 0. */
export function conversationOf(event: Pick<VkwireEvent, 'group_id' | 'peer' | 'user'>): string {
  return `${event.group_id}:${event.peer?.bpid ?? event.user?.uuid ?? 0}`;
}

/**
 * The partition of a conversation: FNV-1a (32 bit) of `conversationOf(event)` modulo the count. Stable
 * across processes, versions and languages (documented in the README for other consumers).
 */
export function partitionOf(
  event: Pick<VkwireEvent, 'group_id' | 'peer' | 'user'>,
  partitions: number,
): number {
  const text = conversationOf(event);
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
