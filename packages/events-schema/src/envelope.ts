import * as z from 'zod';
import { vkObject } from './vk-object.js';

/**
 * What every update has, whatever its type: `{ type, object, group_id, event_id, v }` (Bots Long
 * Poll `updates[]` items and Callback API bodies alike). Unknown envelope fields are kept.
 */
export const vkEnvelopeSchema = vkObject({
  type: z.string(),
  object: z.looseObject({}),
  group_id: z.number(),
  event_id: z.string(),
  v: z.string().optional(),
});
/** An update envelope with an untyped object (see {@link vkEnvelopeSchema}). */
export type VkEnvelope = z.output<typeof vkEnvelopeSchema>;

/** The envelope fields of a parsed update, next to its `type` and `object`. */
export interface VkUpdateEnvelope {
  /** The community the update belongs to. */
  group_id: number;
  /** VK's unique id of the update; deduplicate on it (VK may deliver an update more than once). */
  event_id: string;
  /** The API version the object is formatted in (`VK_API_VERSION` when the stream is set up right). */
  v?: string | undefined;
}

/**
 * The Callback API `confirmation` request `{ type: 'confirmation', group_id }`. It is not an update:
 * answer it with the confirmation code. `parseUpdate` rejects it with code `confirmation_request`.
 */
export const vkConfirmationRequestSchema = vkObject({
  type: z.literal('confirmation'),
  group_id: z.number(),
});
/** A Callback API confirmation request (see {@link vkConfirmationRequestSchema}). */
export type VkConfirmationRequest = z.output<typeof vkConfirmationRequestSchema>;

/**
 * Whether a Callback API body is the `confirmation` request (answer it with the code, not `ok`).
 *
 * @example
 * if (isConfirmationRequest(body)) return new Response(codes.get(body.group_id));
 */
export function isConfirmationRequest(value: unknown): value is VkConfirmationRequest {
  return vkConfirmationRequestSchema.safeParse(value).success;
}
