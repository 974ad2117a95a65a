import * as z from 'zod';
import { issuesFromZod, VkwireEventParseError } from './errors.js';
import { EVENT_SCHEMA_VERSION, type VkwireEvent, vkwireEventSchema } from './event.js';

/**
 * The JSON form of a normalized event: the event object itself, keys in a fixed order, snake_case
 * (what goes on the bus).
 *
 * @example
 * await redis.xAdd('vk:events', '*', { event: serializeEvent(event) });
 */
export function serializeEvent(event: VkwireEvent): string {
  return JSON.stringify(event);
}

/**
 * Reads a normalized event back (from its JSON text or an already parsed value) and checks it against
 * {@link vkwireEventSchema}.
 *
 * @throws {VkwireEventParseError} `invalid_json`, `unsupported_schema_version` or `invalid_event`.
 * @example
 * const event = parseEvent(message.event);
 * if (event.event_type === 'button') await answer(event.button.beid, event.user.uuid, event.peer.bpid);
 */
export function parseEvent(input: unknown): VkwireEvent {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new VkwireEventParseError({ code: 'invalid_json', message: 'A vkwire event must be JSON' });
    }
  }
  const version = (value as { schema_version?: unknown } | null)?.schema_version;
  if (typeof value === 'object' && value !== null && version !== EVENT_SCHEMA_VERSION) {
    throw new VkwireEventParseError({
      code: 'unsupported_schema_version',
      message: `This @vkwire/events-schema reads schema_version ${EVENT_SCHEMA_VERSION}, the event has ${JSON.stringify(version) ?? 'none'}`,
    });
  }
  const result = vkwireEventSchema.safeParse(value);
  if (!result.success) {
    throw new VkwireEventParseError({
      code: 'invalid_event',
      message: 'Not a vkwire event',
      issues: issuesFromZod(result.error),
    });
  }
  return result.data;
}

/**
 * The JSON Schema (draft 2020-12) of the normalized event, generated from {@link vkwireEventSchema}:
 * what `event.schema.json` at the package root holds, for services in other languages.
 *
 * @example
 * writeFileSync('event.schema.json', `${JSON.stringify(eventJsonSchema(), null, 2)}\n`);
 */
export function eventJsonSchema(): z.core.JSONSchema.BaseSchema {
  return z.toJSONSchema(vkwireEventSchema, { target: 'draft-2020-12', io: 'output' });
}
