// Normalized events for the publisher's tests, built from a real VK message_new update (a fixture
// copied from ../shared/fixtures/events) with the peer, author and event_id of each test.
import { readFileSync } from 'node:fs';
import { normalizeSync, parseUpdate, type VkwireEvent } from '@vkwire/events-schema';

const PLAIN = readFileSync(new URL('./fixtures/message_new.plain.json', import.meta.url), 'utf8');
const BUTTON = readFileSync(new URL('./fixtures/message_event.json', import.meta.url), 'utf8');

/** A `message` event of `peer` (a user id), with text and event_id of its own. */
export function messageEvent(peer: number, eventId: string, text = `message ${eventId}`): VkwireEvent {
  const update = JSON.parse(PLAIN) as {
    event_id: string;
    object: { message: { peer_id: number; from_id: number; text: string } };
  };
  update.event_id = eventId;
  update.object.message.peer_id = peer;
  update.object.message.from_id = peer;
  update.object.message.text = text;
  return normalizeSync(parseUpdate(update));
}

/** A `button` event (a callback button press, message_event) with its own event_id. */
export function buttonEvent(eventId: string): VkwireEvent {
  const update = JSON.parse(BUTTON) as { event_id: string };
  update.event_id = eventId;
  return normalizeSync(parseUpdate(update));
}

let counter = 0;
/** A fresh name, so tests sharing the run's Redis never meet. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}:${process.pid}:${Date.now().toString(36)}:${counter}`;
}
