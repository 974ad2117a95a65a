import { randomBytes } from 'node:crypto';
import { normalizeSync, parseUpdate, serializeEvent, type VkwireEvent } from '@vkwire/events-schema';
import { type BusLayout, partitionKey, partitionOf } from '../src/bus/layout.js';
import type { RedisHandle } from '../src/connection.js';

/** A stream name no other test uses. */
export function uniqueStream(): string {
  return `test:${randomBytes(5).toString('hex')}`;
}

/** A normalized `message` event from user `peer` in its private chat with community `groupId`. */
export function messageEvent(peer: number, text: string, eventId: string, groupId = 218734561): VkwireEvent {
  const update = parseUpdate({
    type: 'message_new',
    group_id: groupId,
    event_id: eventId,
    v: '5.199',
    object: {
      message: {
        id: 1,
        date: 1_700_000_000,
        peer_id: peer,
        from_id: peer,
        text,
        conversation_message_id: 1,
        out: 0,
        version: 1,
        attachments: [],
        fwd_messages: [],
        important: false,
        is_hidden: false,
      },
      client_info: {
        button_actions: ['text'],
        keyboard: true,
        inline_keyboard: true,
        carousel: true,
        lang_id: 0,
      },
    },
  });
  return normalizeSync(update);
}

/** Writes `event` to its partition as the publisher does (fields data, event_id, event_type, peer, v). */
export async function writeEvent(redis: RedisHandle, layout: BusLayout, event: VkwireEvent): Promise<string> {
  const key = partitionKey(layout, partitionOf(event, layout.partitions));
  return String(
    await redis.run(key, [
      'XADD',
      key,
      '*',
      'data',
      serializeEvent(event),
      'event_id',
      event.event_id,
      'event_type',
      event.event_type,
      'peer',
      String(event.peer?.bpid ?? ''),
      'v',
      String(event.schema_version),
    ]),
  );
}

/** A promise with its resolve exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves once `check()` holds, polling Redis-side state that no event reports. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
