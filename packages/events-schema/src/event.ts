import * as z from 'zod';
import type { VkJsonValue } from './vk-values.js';

/** Version of the normalized event's shape; any change to the shape bumps it. */
export const EVENT_SCHEMA_VERSION = 1 as const;

// The normalized event: what the fetcher publishes on the bus for other services, in Python or Go as
// well as TypeScript. Own names are the service spec's (bpid, cid, uuid, beid, rid); VK's objects
// stay untouched under `raw`. Objects are strict (`additionalProperties: false` in the JSON Schema):
// the shape is a contract, versioned by `schema_version`.

const nullableString = z.string().nullable();

/** Any JSON value (button and message payloads); named so its recursion has a readable `$defs` entry. */
const jsonValueSchema: z.ZodType<VkJsonValue> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(jsonValueSchema),
      z.record(z.string(), jsonValueSchema),
    ]),
  )
  .meta({ id: 'VkwireJsonValue' });

/** The conversation an event happened in. */
export const vkwirePeerSchema = z
  .object({
    bpid: z.int().describe('VK peer_id: a user id, 2000000000 + chat id for a group chat, or -group_id'),
    cid: z.int().nullable().describe('The chat id (peer_id - 2000000000) for a group chat, else null'),
    name: nullableString.describe(
      'The chat title, or the name of the user/community for a private dialog; null when no resolver knew it',
    ),
  })
  .meta({ id: 'VkwirePeer' });
/** The conversation an event happened in (see {@link vkwirePeerSchema}). */
export type VkwirePeer = z.output<typeof vkwirePeerSchema>;

/** Who caused an event. Names come from the resolver and are null without one. */
export const vkwireUserSchema = z
  .object({
    uuid: z.int().describe('VK id of who caused the event: a user id, or -group_id for a community'),
    name: nullableString.describe('Full name (a community: its name)'),
    firstname: nullableString.describe('First name (null for a community)'),
    lastname: nullableString.describe('Last name (null for a community)'),
    nick: nullableString.describe('Screen name (vk.com/<nick>)'),
  })
  .meta({ id: 'VkwireUser' });
/** Who caused an event (see {@link vkwireUserSchema}). */
export type VkwireUser = z.output<typeof vkwireUserSchema>;

/** A replied-to or forwarded message. */
export const vkwireQuotedMessageSchema = z
  .object({
    cmid: z
      .int()
      .nullable()
      .describe('conversation_message_id in the conversation it came from; null when VK omitted it'),
    uuid: z.int().describe('Author id (negative for a community)'),
    text: z.string(),
  })
  .meta({ id: 'VkwireQuotedMessage' });
/** A replied-to or forwarded message (see {@link vkwireQuotedMessageSchema}). */
export type VkwireQuotedMessage = z.output<typeof vkwireQuotedMessageSchema>;

/** The message of `message`, `command`, `service`, `reply` and `edit` events. */
export const vkwireMessageSchema = z
  .object({
    cmid: z.int().describe('conversation_message_id: address the message by (peer.bpid, cmid)'),
    text: z.string(),
    reply: vkwireQuotedMessageSchema.nullable(),
    forward: z
      .array(vkwireQuotedMessageSchema)
      .describe('Forwarded messages, top level only (nesting is in raw)'),
    attachments: z
      .array(z.string())
      .describe(
        'VK attachment strings <type><owner_id>_<id>[_<access_key>], e.g. photo193847562_457241337_1169d4ad14d959ac62; attachments without an owner (stickers, links) are only in raw',
      ),
    payload: jsonValueSchema
      .nullable()
      .describe(
        'The text button payload, parsed from JSON (kept as a string if it is not JSON); null when none',
      ),
  })
  .meta({ id: 'VkwireMessage' });
/** The message of an event (see {@link vkwireMessageSchema}). */
export type VkwireMessage = z.output<typeof vkwireMessageSchema>;

/** The VK update an event came from, as parsed (flags are booleans, a Callback `secret` removed). */
export const vkwireRawUpdateSchema = z
  .looseObject({
    type: z.string(),
    object: z.looseObject({}),
    group_id: z.int(),
    event_id: z.string(),
    v: z.string().optional(),
  })
  .meta({ id: 'VkwireRawUpdate' });
/** The VK update an event came from (see {@link vkwireRawUpdateSchema}). */
export type VkwireRawUpdate = z.output<typeof vkwireRawUpdateSchema>;

const head = {
  schema_version: z.literal(EVENT_SCHEMA_VERSION),
  event_id: z.string().describe("VK's own event_id, unchanged: deduplicate on it"),
};
const tail = {
  vk_type: z.string().describe('The VK update type, e.g. message_new'),
  group_id: z.int(),
  date: z
    .int()
    .nullable()
    .describe('Unix seconds of the message for message events; null when VK sends no time'),
  peer: vkwirePeerSchema,
  user: vkwireUserSchema,
};
const raw = { raw: vkwireRawUpdateSchema };

/** `message`: a plain incoming message (`message_new`). */
const messageEvent = z.object({
  ...head,
  event_type: z.literal('message'),
  ...tail,
  message: vkwireMessageSchema,
  ...raw,
});

/** `command`: an incoming message whose text starts with a configured prefix. */
const commandEvent = z.object({
  ...head,
  event_type: z.literal('command'),
  ...tail,
  message: vkwireMessageSchema,
  command: z
    .object({
      prefix: z.string().describe('The prefix that matched, e.g. /'),
      name: z.string().describe('The word right after the prefix, as typed'),
      args: z
        .string()
        .describe('The rest of the text after the name and its separating whitespace, as typed'),
    })
    .meta({ id: 'VkwireCommand' }),
  ...raw,
});

/** `service`: a chat service message (someone invited or removed, title changed, message pinned…). */
const serviceEvent = z.object({
  ...head,
  event_type: z.literal('service'),
  ...tail,
  message: vkwireMessageSchema,
  action: z
    .object({
      type: z.string().describe('VK action type, e.g. chat_invite_user'),
      member_id: z.int().nullable().describe('The invited or removed member (negative for a community)'),
      text: nullableString.describe('The new title for chat_create / chat_title_update'),
    })
    .meta({ id: 'VkwireServiceAction' }),
  ...raw,
});

/** `reply`: a message the community sent (`message_reply`), by the bot or an admin. */
const replyEvent = z.object({
  ...head,
  event_type: z.literal('reply'),
  ...tail,
  message: vkwireMessageSchema,
  ...raw,
});

/** `edit`: a message of the community was edited (`message_edit`). */
const editEvent = z.object({
  ...head,
  event_type: z.literal('edit'),
  ...tail,
  message: vkwireMessageSchema,
  ...raw,
});

/** `button`: a callback button was pressed (`message_event`). */
const buttonEvent = z.object({
  ...head,
  event_type: z.literal('button'),
  ...tail,
  button: z
    .object({
      cmid: z.int().nullable().describe('The message holding the keyboard; null when VK omitted it'),
      beid: z
        .string()
        .describe('The press id (message_event.event_id) to answer with messages.sendMessageEventAnswer'),
      payload: jsonValueSchema.nullable().describe('The button payload; null when none'),
    })
    .meta({ id: 'VkwireButton' }),
  ...raw,
});

/** `reaction`: a reaction was set on a message (`message_reaction_event`). */
const reactionEvent = z.object({
  ...head,
  event_type: z.literal('reaction'),
  ...tail,
  reaction: z
    .object({
      cmid: z.int().describe('The message reacted to'),
      rid: z.int().nullable().describe('Reaction id (1–64); null when VK sent none (a reaction removed)'),
    })
    .meta({ id: 'VkwireReaction' }),
  ...raw,
});

/** `typing`: the user is typing or recording in a private dialog (`message_typing_state`). */
const typingEvent = z.object({
  ...head,
  event_type: z.literal('typing'),
  ...tail,
  typing: z.object({ state: z.string().describe('typing, audiomessage, …') }).meta({ id: 'VkwireTyping' }),
  ...raw,
});

/** `allow`: the user allowed messages from the community (`message_allow`). */
const allowEvent = z.object({
  ...head,
  event_type: z.literal('allow'),
  ...tail,
  allow: z
    .object({ key: nullableString.describe('The key given to messages.allowMessagesFromGroup, if any') })
    .meta({ id: 'VkwireAllow' }),
  ...raw,
});

/** `deny`: the user denied messages from the community (`message_deny`). */
const denyEvent = z.object({ ...head, event_type: z.literal('deny'), ...tail, ...raw });

/** `join`: the user joined the community or applied (`group_join`). */
const joinEvent = z.object({
  ...head,
  event_type: z.literal('join'),
  ...tail,
  join: z
    .object({ join_type: z.string().describe('join, unsure, accepted, approved or request') })
    .meta({ id: 'VkwireJoin' }),
  ...raw,
});

/** `leave`: the user left or was removed from the community (`group_leave`). */
const leaveEvent = z.object({
  ...head,
  event_type: z.literal('leave'),
  ...tail,
  leave: z
    .object({
      self: z.boolean().nullable().describe('true: left by themselves; false: removed; null: VK did not say'),
    })
    .meta({ id: 'VkwireLeave' }),
  ...raw,
});

/** `raw`: any other VK event; everything is in `raw`, and there is no peer or user. */
const rawEvent = z.object({
  ...head,
  event_type: z.literal('raw'),
  ...tail,
  peer: vkwirePeerSchema.nullable(),
  user: vkwireUserSchema.nullable(),
  ...raw,
});

/**
 * The normalized event (the fetcher's output on the bus), discriminated by `event_type`. Its JSON
 * form is the object itself; the committed `event.schema.json` is generated from this schema.
 *
 * @example
 * const event = vkwireEventSchema.parse(JSON.parse(text));
 * if (event.event_type === 'command') route(event.command.name, event.command.args);
 */
export const vkwireEventSchema = z
  .discriminatedUnion('event_type', [
    messageEvent,
    commandEvent,
    serviceEvent,
    replyEvent,
    editEvent,
    buttonEvent,
    reactionEvent,
    typingEvent,
    allowEvent,
    denyEvent,
    joinEvent,
    leaveEvent,
    rawEvent,
  ])
  .meta({
    title: 'vkwire normalized VK event',
    description:
      'A VK community event normalized by @vkwire/events-schema (the event fetcher output). Discriminated by event_type; schema_version changes with any change to this shape.',
  });

/** A normalized event (see {@link vkwireEventSchema}). */
export type VkwireEvent = z.output<typeof vkwireEventSchema>;
/** The `event_type` values: `message`, `command`, `service`, `reply`, `edit`, `button`, `reaction`, `typing`, `allow`, `deny`, `join`, `leave`, `raw`. */
export type VkwireEventType = VkwireEvent['event_type'];
/** The normalized event of one `event_type`. */
export type VkwireEventOf<Type extends VkwireEventType> = Extract<VkwireEvent, { event_type: Type }>;
