import { readdirSync, readFileSync } from 'node:fs';
import { VK_API_VERSION } from '@vkwire/core';
import { SAMPLE_ATTACHMENTS, SAMPLE_OBJECTS } from './samples.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** A fresh copy of a fixture (parsing normalizes in place, so every test reads its own). */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as T;
}

/** File names in a fixture folder, e.g. `fixtureNames('events')`. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(new URL(`${folder}/`, FIXTURES))
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** Every update of the shared fixtures: one per file in events/, plus the updates inside bots_longpoll answers. */
export function allFixtureUpdates(): Array<{ name: string; update: Record<string, unknown> }> {
  const out = fixtureNames('events').map((name) => ({
    name: `events/${name}`,
    update: fixture(`events/${name}`),
  }));
  for (const name of fixtureNames('bots_longpoll')) {
    const answer = fixture<{ updates?: Record<string, unknown>[] }>(`bots_longpoll/${name}`);
    answer.updates?.forEach((update, index) => {
      out.push({ name: `bots_longpoll/${name}#${index}`, update });
    });
  }
  return out;
}

/** Deterministic pseudo-random numbers, so a failing mutation can be replayed. */
export { seededRandom } from '@vkwire/testing';

/**
 * Every fixture update plus a composed update for each event type without a fixture and a message
 * carrying one attachment of every other known type: together they cover every schema.
 */
export function allSampleUpdates(): Array<{ name: string; update: Record<string, unknown> }> {
  const out = allFixtureUpdates();
  for (const [type, object] of Object.entries(SAMPLE_OBJECTS)) {
    out.push({ name: `sample ${type}`, update: envelope(type, structuredClone(object)) });
  }
  const message = fixture<{ object: { message: Record<string, unknown> } }>('events/message_new.plain.json');
  message.object.message.attachments = structuredClone(SAMPLE_ATTACHMENTS);
  out.push({ name: 'sample message_new with every attachment type', update: message });
  return out;
}

function envelope(type: string, object: Record<string, unknown>): Record<string, unknown> {
  return { group_id: 218734561, type, event_id: `sample-${type}`, v: VK_API_VERSION, object };
}
