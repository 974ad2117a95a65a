import { VkwireConfigError } from '@vkwire/core';
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import type { Sandbox } from '../sandbox.js';
import type { SimAttachment } from '../simulation/attachments-input.js';
import type { SimUser } from '../simulation/user.js';
import type { SandboxState } from '../state.js';
import { isChatPeer, messageView } from '../world/message-view.js';
import type { StoredMessage, VkObject } from '../world/types.js';
import type { SandboxEnv } from './hold.js';

/** A control request the sandbox refuses: 400 (or `status`) with `{ error, field? }`. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    message: string,
    /** The body field or query parameter that was wrong. */
    readonly field?: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

const int = z.number().int();
const id = z.number().int().positive();

const sendBody = z.object({
  text: z.string().max(9000).default(''),
  peerId: int.optional(),
  groupId: id.optional(),
  payload: z.unknown().optional(),
  attachments: z
    .array(z.looseObject({ type: z.string().min(1) }))
    .max(10)
    .optional(),
  replyTo: id.optional(),
  forward: z.array(id).max(100).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const groupBody = z.object({ groupId: id.optional() });
const typingBody = z.object({
  peerId: int.optional(),
  groupId: id.optional(),
  state: z.string().min(1).optional(),
});
const reactBody = z.object({
  peerId: int.optional(),
  cmid: id,
  reactionId: z.number().int().min(1).max(64),
  groupId: id.optional(),
});
const callbackBody = z.object({
  peerId: int.optional(),
  cmid: id,
  payload: z.unknown(),
  groupId: id.optional(),
});
const pressBody = z.object({
  peerId: int.optional(),
  cmid: id,
  /** The carousel element whose buttons to use (its buttons are one row). */
  element: z.number().int().min(0).optional(),
  row: z.number().int().min(0).default(0),
  column: z.number().int().min(0).default(0),
  groupId: id.optional(),
});
const userBody = z.object({
  id,
  firstName: z.string().min(1).optional(),
  lastName: z.string().min(1).optional(),
  screenName: z.string().min(1).optional(),
  sex: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
});

/** Removes the keys whose value is undefined (zod's optional fields, for exact optional types). */
function compact<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

async function parseJson<S extends z.ZodType>(c: Context<SandboxEnv>, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ControlError('the body must be JSON', 'body');
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new ControlError(`${field}: ${issue?.message ?? 'invalid'}`, field);
  }
  return result.data;
}

function failure(c: Context<SandboxEnv>, error: unknown): Response {
  if (error instanceof ControlError) {
    return c.json({ error: error.message, ...(error.field ? { field: error.field } : {}) }, error.status);
  }
  if (error instanceof VkwireConfigError) return c.json({ error: error.message, field: error.option }, 400);
  throw error;
}

/** Runs a control handler; ControlError and simulation errors (`VkwireConfigError`) answer 400. */
function route(run: (c: Context<SandboxEnv>) => unknown): (c: Context<SandboxEnv>) => Promise<Response> {
  return async (c) => {
    try {
      const result = await run(c);
      return result instanceof Response ? result : c.json(result ?? { ok: true });
    } catch (error) {
      return failure(c, error);
    }
  };
}

function pathId(c: Context<SandboxEnv>, name: string): number {
  const value = Number(c.req.param(name));
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new ControlError(`${name} must be a positive integer`, name);
  return value;
}

function queryInt(c: Context<SandboxEnv>, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value))
    throw new ControlError(`${name} must be an integer`, name);
  return value;
}

/** The message a button press names: its keyboard or carousel button at the given place. */
function findButton(
  state: SandboxState,
  user: SimUser,
  body: z.output<typeof pressBody>,
  groupId: number,
): VkObject {
  const peerId = body.peerId ?? user.id;
  const message = state.world.findConversation(groupId, peerId)?.messages.get(body.cmid);
  if (!message || message.deleted)
    throw new ControlError(`no message ${body.cmid} in peer ${peerId}`, 'cmid');
  let row: unknown;
  if (body.element !== undefined) {
    const elements = message.template?.elements;
    const element = Array.isArray(elements) ? (elements[body.element] as VkObject | undefined) : undefined;
    if (!element)
      throw new ControlError(`message ${body.cmid} has no carousel element ${body.element}`, 'element');
    row = element.buttons;
  } else {
    const rows = message.keyboard?.buttons;
    if (!Array.isArray(rows)) throw new ControlError(`message ${body.cmid} has no keyboard`, 'cmid');
    row = rows[body.row];
    if (!Array.isArray(row)) throw new ControlError(`the keyboard has no row ${body.row}`, 'row');
  }
  const button = Array.isArray(row) ? (row[body.column] as VkObject | undefined) : undefined;
  const action = button?.action;
  if (typeof action !== 'object' || action === null)
    throw new ControlError(`no button at column ${body.column}`, 'column');
  return action as VkObject;
}

/** The community that owns a peer's conversation: the named one, a chat's first, or the first. */
function conversationGroup(state: SandboxState, sandbox: Sandbox, peerId: number, groupId?: number): number {
  if (groupId !== undefined) return groupId;
  if (isChatPeer(peerId)) {
    const member = [...(state.world.chats.get(peerId)?.members ?? [])].find((item) => item < 0);
    if (member !== undefined) return -member;
  }
  return sandbox.group.id;
}

function userSummary(user: SimUser): VkObject {
  const { record } = user;
  return {
    id: record.id,
    firstName: record.firstName,
    lastName: record.lastName,
    screenName: record.screenName,
    token: record.token,
  };
}

/** A stored message as the control API shows it: the community's view plus `deleted`. */
function historyView(message: StoredMessage, groupId: number): VkObject {
  return { ...messageView(message, message.sentByGroup ?? groupId), deleted: message.deleted };
}

/**
 * The control API of simulated users and conversations (`/_sandbox/users/...`,
 * `/_sandbox/messages`, `/_sandbox/answers`): everything the in-process simulation does, over HTTP.
 */
export function addControlRoutes(app: Hono<SandboxEnv>, state: SandboxState, sandbox: () => Sandbox): void {
  const user = (c: Context<SandboxEnv>): SimUser => sandbox().user(pathId(c, 'id'));

  app.get(
    '/_sandbox/users',
    route(() =>
      [...state.world.users.values()].map(({ id, firstName, lastName, screenName }) => ({
        id,
        firstName,
        lastName,
        screenName,
      })),
    ),
  );
  app.post(
    '/_sandbox/users',
    route(async (c) => {
      const { id: userId, ...options } = await parseJson(c, userBody);
      return userSummary(sandbox().user(userId, compact(options)));
    }),
  );
  app.get(
    '/_sandbox/users/:id',
    route((c) => userSummary(user(c))),
  );
  app.get(
    '/_sandbox/users/:id/dialogs',
    route((c) => {
      const simUser = user(c);
      const last = (groupId: number, peerId: number): VkObject | null => {
        const conversation = state.world.findConversation(groupId, peerId);
        const messages = [...(conversation?.messages.values() ?? [])].filter((message) => !message.deleted);
        const message = messages.at(-1);
        return message ? historyView(message, groupId) : null;
      };
      const privates = sandbox().groups.map((group) => ({
        kind: 'group' as const,
        peerId: simUser.id,
        groupId: group.id,
        title: group.name,
        last: last(group.id, simUser.id),
      }));
      const chats = [...state.world.chats.values()]
        .filter((chat) => chat.members.has(simUser.id))
        .map((chat) => {
          const groupId = conversationGroup(state, sandbox(), chat.peerId);
          return {
            kind: 'chat' as const,
            peerId: chat.peerId,
            chatId: chat.chatId,
            groupId,
            title: chat.title,
            members: [...chat.members],
            last: last(groupId, chat.peerId),
          };
        });
      return [...privates, ...chats];
    }),
  );
  app.post(
    '/_sandbox/users/:id/send',
    route(async (c) => {
      const simUser = user(c);
      const body = await parseJson(c, sendBody);
      const { text, attachments, ...rest } = body;
      return simUser.send(text, {
        ...compact(rest),
        ...(attachments ? { attachments: attachments as SimAttachment[] } : {}),
      });
    }),
  );
  app.post(
    '/_sandbox/users/:id/typing',
    route(async (c) => {
      const simUser = user(c);
      const body = await parseJson(c, typingBody);
      simUser.typing(body.peerId, compact({ state: body.state, groupId: body.groupId }));
      return { ok: true };
    }),
  );
  app.post(
    '/_sandbox/users/:id/react',
    route(async (c) => {
      const simUser = user(c);
      const body = await parseJson(c, reactBody);
      simUser.react(
        body.peerId ?? simUser.id,
        body.cmid,
        body.reactionId,
        compact({ groupId: body.groupId }),
      );
      return { ok: true };
    }),
  );
  app.post(
    '/_sandbox/users/:id/callback',
    route(async (c) => {
      const simUser = user(c);
      const body = await parseJson(c, callbackBody);
      const eventId = simUser.pressCallbackButton(
        body.peerId ?? simUser.id,
        body.cmid,
        body.payload,
        compact({ groupId: body.groupId }),
      );
      return { eventId };
    }),
  );
  app.post(
    '/_sandbox/users/:id/press',
    route(async (c) => {
      const simUser = user(c);
      const body = await parseJson(c, pressBody);
      const peerId = body.peerId ?? simUser.id;
      const groupId = conversationGroup(state, sandbox(), peerId, body.groupId);
      const action = findButton(state, simUser, body, groupId);
      const payload = typeof action.payload === 'string' ? action.payload : undefined;
      switch (action.type) {
        case 'text': {
          const sent = simUser.send(String(action.label ?? ''), {
            ...(isChatPeer(peerId) ? { peerId } : { groupId }),
            ...(payload !== undefined ? { payload } : {}),
          });
          return { kind: 'text', ...sent };
        }
        case 'callback': {
          let parsed: unknown = payload;
          if (payload !== undefined) {
            try {
              parsed = JSON.parse(payload);
            } catch {
              parsed = payload;
            }
          }
          const eventId = simUser.pressCallbackButton(peerId, body.cmid, parsed, { groupId });
          return { kind: 'callback', eventId };
        }
        case 'open_link':
          return { kind: 'open_link', link: action.link };
        default:
          throw new ControlError(
            `a ${String(action.type)} button is not simulated: press a text, callback or open_link button`,
            'column',
          );
      }
    }),
  );
  for (const name of ['join', 'leave', 'deny'] as const) {
    app.post(
      `/_sandbox/users/:id/${name}`,
      route(async (c) => {
        const simUser = user(c);
        const { groupId } = await parseJson(c, groupBody);
        if (name === 'join') simUser.join(groupId);
        else if (name === 'leave') simUser.leave(groupId);
        else simUser.denyMessages(groupId);
        return { ok: true };
      }),
    );
  }
  app.post(
    '/_sandbox/users/:id/allow',
    route(async (c) => {
      const simUser = user(c);
      const body = await parseJson(c, groupBody.extend({ key: z.string().optional() }));
      simUser.allowMessages(body.groupId, body.key);
      return { ok: true };
    }),
  );
  app.post(
    '/_sandbox/users/:id/photos',
    route(async (c) => {
      const simUser = user(c);
      let file: unknown;
      try {
        file = (await c.req.parseBody()).photo;
      } catch {
        throw new ControlError(
          'expected a multipart/form-data body with the image in the "photo" field',
          'photo',
        );
      }
      if (!(file instanceof File) || file.size === 0)
        throw new ControlError('expected the image in the "photo" field', 'photo');
      const attachment = simUser.uploadPhoto(new Uint8Array(await file.arrayBuffer()), {
        mime: file.type || 'image/jpeg',
        fileName: file.name || 'photo.jpg',
      });
      const photo = (attachment as VkObject).photo as VkObject;
      return {
        attachment,
        url: `${state.origin}/_sandbox/media/photo${String(photo.owner_id)}_${String(photo.id)}`,
      };
    }),
  );
  app.get(
    '/_sandbox/messages',
    route((c) => {
      const peerId = queryInt(c, 'peer');
      if (peerId === undefined) throw new ControlError('peer is required', 'peer');
      const groupId = conversationGroup(state, sandbox(), peerId, queryInt(c, 'groupId'));
      const conversation = state.world.findConversation(groupId, peerId);
      return {
        items: [...(conversation?.messages.values() ?? [])].map((message) => historyView(message, groupId)),
      };
    }),
  );
  app.get(
    '/_sandbox/answers',
    route((c) => {
      const peer = queryInt(c, 'peer');
      return sandbox().eventAnswers(peer === undefined ? {} : { peer });
    }),
  );
  app.get(
    '/_sandbox/chats',
    route(() =>
      [...state.world.chats.values()].map((chat) => ({
        chatId: chat.chatId,
        peerId: chat.peerId,
        title: chat.title,
        ownerId: chat.ownerId,
        members: [...chat.members],
        admins: [...chat.admins],
      })),
    ),
  );
}
