import { VK_API_VERSION } from '@vkwire/core';
import { vkEnvelopeSchema } from './envelope.js';
import { issuesFromZod, VkUpdateParseError } from './errors.js';
import { isKnownEventType, type VkEventType, type VkParsedUpdate, vkEventSchemas } from './event-map.js';
import { type FastParser, fastParser, INVALID } from './fast-path.js';

/** Options of {@link parseUpdate} and {@link safeParseUpdate}. */
export interface ParseUpdateOptions {
  /**
   * Check the update against the schema of its type. Turn it off only where a transport already
   * trusts its input (say, events re-read from your own store): flags are still turned into booleans
   * and arrays defaulted, but a malformed object passes through unnoticed.
   * @default true
   */
  validate?: boolean;
}

/** The result of {@link safeParseUpdate}. */
export type SafeParseUpdateResult =
  | { success: true; update: VkParsedUpdate; error?: undefined }
  | { success: false; update?: undefined; error: VkUpdateParseError };

// Built on first use of each type: generating all 60 parsers at import would slow every start-up.
const parsers = new Map<string, { checked: FastParser; trusted: FastParser }>();
let envelopeParser: FastParser | undefined;

function parsersOf(type: VkEventType): { checked: FastParser; trusted: FastParser } {
  let found = parsers.get(type);
  if (!found) {
    const schema = vkEventSchemas[type];
    found = { checked: fastParser(schema), trusted: fastParser(schema, { trusted: true }) };
    parsers.set(type, found);
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses one update (a Bots Long Poll `updates[]` item or a Callback API body), given as the value
 * `JSON.parse` returned.
 *
 * - A known type is checked against its schema and returned typed; an unknown type is returned as
 *   a {@link VkUnknownUpdate} with its object untouched.
 * - The value is **normalized in place and returned** (no copy, so unknown fields stay): flags
 *   become booleans (`0`/`1` and `true`/`false` are both accepted), `attachments`/`fwd_messages`
 *   become `[]` when absent. Pass a copy if you still need the original.
 * - A Callback `secret` is removed so it cannot travel further (e.g. into a normalized event on a
 *   bus); check it before parsing.
 *
 * @throws {VkUpdateParseError} when the update is malformed (see its `code` and `path`).
 * @example
 * const answer = JSON.parse(body) as { ts: string; updates: unknown[] };
 * for (const raw of answer.updates) {
 *   const update = parseUpdate(raw);
 *   if (isUpdateOf(update, 'message_new')) console.log(update.object.message.text);
 * }
 */
export function parseUpdate(value: unknown, options?: ParseUpdateOptions): VkParsedUpdate {
  if (!isRecord(value)) {
    throw new VkUpdateParseError({
      code: 'not_an_object',
      message: `A VK update must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    });
  }
  const type = value.type;
  if (type === 'confirmation') throw envelopeError(value);
  const validate = options?.validate ?? true;
  if (validate) {
    envelopeParser ??= fastParser(vkEnvelopeSchema);
    if (envelopeParser(value) === INVALID) throw envelopeError(value);
  } else if (typeof type !== 'string' || !isRecord(value.object)) {
    throw envelopeError(value);
  }
  // Before the schema, with validation on or off: some schemas (all-optional ones such as
  // donut_subscription_expired) accept a bare `{ warning }`, and without validation every type would.
  const object = value.object as Record<string, unknown>;
  if (typeof object.warning === 'string' && isWarningOnly(object))
    throw deprecatedError(value, type as string);
  if (isKnownEventType(type as string)) {
    const { checked, trusted } = parsersOf(type as VkEventType);
    const parsed = (validate ? checked : trusted)(object);
    if (parsed === INVALID) throw objectError(value, type as VkEventType);
    // The same object unless the schema fell back to zod's parser, which returns a copy.
    if (parsed !== object) value.object = parsed;
  }
  // Only once the update is accepted, so a rejected value is left exactly as it came.
  if (value.secret !== undefined) delete value.secret;
  return value as unknown as VkParsedUpdate;
}

/**
 * {@link parseUpdate} without throwing: a result object instead.
 *
 * @example
 * const result = safeParseUpdate(raw);
 * if (!result.success) return log.warn({ code: result.error.code, path: result.error.path }, 'bad update');
 * handle(result.update);
 */
export function safeParseUpdate(value: unknown, options?: ParseUpdateOptions): SafeParseUpdateResult {
  try {
    return { success: true, update: parseUpdate(value, options) };
  } catch (error) {
    if (error instanceof VkUpdateParseError) return { success: false, error };
    throw error;
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function envelopeError(value: Record<string, unknown>): VkUpdateParseError {
  const eventType = stringOrNull(value.type);
  const eventId = stringOrNull(value.event_id);
  if (eventType === 'confirmation') {
    return new VkUpdateParseError({
      code: 'confirmation_request',
      message:
        'This is a Callback API confirmation request, not an update: answer it with the confirmation code (see isConfirmationRequest)',
      eventType,
      eventId,
    });
  }
  const result = vkEnvelopeSchema.safeParse(value);
  return new VkUpdateParseError({
    code: 'invalid_envelope',
    message: `Malformed VK update envelope${eventType ? ` of type "${eventType}"` : ''}`,
    issues: result.success ? [] : issuesFromZod(result.error),
    eventType,
    eventId,
  });
}

/**
 * Whether an object is VK's deprecated-API-version notice `{ warning }` and nothing else: what VK sends
 * in place of the event object to a stream still set to an old `api_version`. Called only when
 * `warning` is a string, so the usual update pays one property read.
 */
function isWarningOnly(object: Record<string, unknown>): boolean {
  for (const key in object) if (key !== 'warning') return false;
  return true;
}

function deprecatedError(value: Record<string, unknown>, type: string): VkUpdateParseError {
  const version = stringOrNull(value.v);
  return new VkUpdateParseError({
    code: 'deprecated_api_version',
    message: `VK sent a deprecated-API-version warning instead of a "${type}" object${version ? ` (v ${version})` : ''}: set api_version=${VK_API_VERSION} in the community's Long Poll / Callback API settings`,
    eventType: type,
    eventId: stringOrNull(value.event_id),
  });
}

function objectError(value: Record<string, unknown>, type: VkEventType): VkUpdateParseError {
  const eventId = stringOrNull(value.event_id);
  const object = value.object as Record<string, unknown>;
  // A warning next to other fields: still the notice when the object fails its schema.
  if (typeof object.warning === 'string') return deprecatedError(value, type);
  const result = vkEventSchemas[type].safeParse(object);
  return new VkUpdateParseError({
    code: 'invalid_object',
    message: `Malformed VK update "${type}" (event_id ${eventId ?? 'missing'})`,
    issues: result.success ? [] : issuesFromZod(result.error, ['object']),
    eventType: type,
    eventId,
  });
}
