import * as z from 'zod';
import { vkClientInfoSchema, vkMessageSchema } from '../message.js';
import { vkObject } from '../vk-object.js';
import { openEnum, vkJsonValue } from '../vk-values.js';

/** `message_new`: an incoming message and what the sender's client supports. */
export const vkMessageNewSchema = vkObject({
  message: vkMessageSchema,
  client_info: vkClientInfoSchema.optional(),
});

/** `message_allow`: the user allowed messages from the community; `key` is what `messages.allowMessagesFromGroup` received, if anything. */
export const vkMessageAllowSchema = vkObject({ user_id: z.number(), key: z.string().optional() });

/** `message_deny`: the user denied messages from the community. */
export const vkMessageDenySchema = vkObject({ user_id: z.number() });

/** `message_typing_state`: the user is typing (`typing`) or recording a voice message (`audiomessage`) in a private dialog; `to_id` is `-group_id`. */
export const vkMessageTypingStateSchema = vkObject({
  state: openEnum(['typing', 'audiomessage', 'photo', 'video', 'file']),
  from_id: z.number(),
  to_id: z.number(),
});

/** `message_read`: the user read the community's messages up to a point. */
export const vkMessageReadSchema = vkObject({
  from_id: z.number(),
  peer_id: z.number(),
  read_message_id: z.number().optional(),
  conversation_message_id: z.number().optional(),
});

/**
 * `message_event`: a callback button was pressed. `event_id` is the press id to answer with
 * `messages.sendMessageEventAnswer` within about a minute; `payload` arrives already parsed (an
 * object usually, a string from some clients); `conversation_message_id` is the message holding the
 * keyboard (absent when it is gone).
 */
export const vkMessageEventSchema = vkObject({
  user_id: z.number(),
  peer_id: z.number(),
  event_id: z.string(),
  payload: vkJsonValue.optional(),
  conversation_message_id: z.number().optional(),
});

/** `message_reaction_event`: `reacted_id` set reaction `reaction_id` (1–64) on message `cmid`; `reaction_id` may be absent when a reaction is removed. */
export const vkMessageReactionEventSchema = vkObject({
  reacted_id: z.number(),
  peer_id: z.number(),
  cmid: z.number(),
  reaction_id: z.number().optional(),
});

/** Message events: `type` → object schema. */
export const vkMessageEvents = {
  message_new: vkMessageNewSchema,
  message_reply: vkMessageSchema,
  message_edit: vkMessageSchema,
  message_allow: vkMessageAllowSchema,
  message_deny: vkMessageDenySchema,
  message_typing_state: vkMessageTypingStateSchema,
  message_read: vkMessageReadSchema,
  message_event: vkMessageEventSchema,
  message_reaction_event: vkMessageReactionEventSchema,
} as const;
