import type { Context, Hono } from 'hono';
import type { Sandbox } from '../sandbox.js';
import type { SimChat } from '../simulation/chat.js';
import type { SandboxEnv } from './hold.js';

type Body = Readonly<Record<string, unknown>>;

/** A control request whose body misses a field or has one of the wrong type (answered 400). */
class ControlBodyError extends Error {
  override readonly name = 'ControlBodyError';
}

function int(body: Body, key: string): number {
  const value = body[key];
  if (!Number.isSafeInteger(value)) throw new ControlBodyError(`${key} must be an integer`);
  return value as number;
}

function optionalInt(body: Body, key: string): number | undefined {
  return body[key] === undefined ? undefined : int(body, key);
}

function ints(body: Body, key: string): number[] | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => Number.isSafeInteger(item)))
    throw new ControlBodyError(`${key} must be an array of integers`);
  return value as number[];
}

function by(body: Body): { by?: number } {
  const value = optionalInt(body, 'by');
  return value === undefined ? {} : { by: value };
}

/** `POST /_sandbox/chats/<id>/<action>`: the body's fields, and what the answer holds. */
const ACTIONS: Readonly<Record<string, (chat: SimChat, body: Body) => Record<string, unknown>>> = {
  invite: (chat, body) => ({ cmid: chat.invite(int(body, 'memberId'), by(body)) }),
  inviteBot: (chat, body) => ({ cmid: chat.inviteBot(optionalInt(body, 'groupId'), by(body)) }),
  joinByLink: (chat, body) => ({ cmid: chat.joinByLink(int(body, 'userId')) }),
  joinByRequest: (chat, body) => ({ cmid: chat.joinByRequest(int(body, 'userId'), by(body)) }),
  kick: (chat, body) => ({ cmid: chat.kick(int(body, 'memberId'), by(body)) }),
  leave: (chat, body) => ({ cmid: chat.leave(int(body, 'memberId')) }),
  rename: (chat, body) => {
    if (typeof body.title !== 'string') throw new ControlBodyError('title must be a string');
    return { cmid: chat.rename(body.title, by(body)) };
  },
  setPhoto: (chat, body) => ({ cmid: chat.setPhoto(optionalInt(body, 'by')) }),
  removePhoto: (chat, body) => ({ cmid: chat.removePhoto(optionalInt(body, 'by')) }),
  pin: (chat, body) => ({ cmid: chat.pin(int(body, 'by'), int(body, 'cmid')) }),
  unpin: (chat, body) => ({ cmid: chat.unpin(int(body, 'by'), optionalInt(body, 'cmid')) }),
  screenshot: (chat, body) => ({ cmid: chat.screenshot(int(body, 'userId')) }),
  setAdmin: (chat, body) => {
    if (body.isAdmin !== undefined && typeof body.isAdmin !== 'boolean')
      throw new ControlBodyError('isAdmin must be a boolean');
    chat.setAdmin(int(body, 'memberId'), body.isAdmin ?? true);
    return { admins: chat.admins };
  },
};

/** The names of the chat actions of the control API. */
export const CHAT_CONTROL_ACTIONS: readonly string[] = Object.keys(ACTIONS);

function chatSummary(chat: SimChat): Record<string, unknown> {
  return {
    chatId: chat.chatId,
    peerId: chat.peerId,
    title: chat.title,
    ownerId: chat.ownerId,
    members: chat.members,
    admins: chat.admins,
  };
}

async function readBody(c: Context<SandboxEnv>): Promise<Body> {
  const body: unknown = await c.req.json().catch(() => undefined);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ControlBodyError('the body must be a JSON object');
  return body as Body;
}

/** Runs a control action; bad bodies and simulation errors (`VkwireConfigError`) answer 400. */
async function answer(
  c: Context<SandboxEnv>,
  run: (body: Body) => Record<string, unknown>,
): Promise<Response> {
  try {
    return c.json(run(await readBody(c)));
  } catch (error) {
    return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
  }
}

/**
 * Chat control over HTTP: `POST /_sandbox/chats` (`createChat` options) and
 * `POST /_sandbox/chats/<chat id or peer id>/<action>` (a `SimChat` method; see `ACTIONS`).
 */
export function addChatRoutes(app: Hono<SandboxEnv>, sandbox: () => Sandbox): void {
  app.post('/_sandbox/chats', (c) =>
    answer(c, (body) => {
      if (typeof body.title !== 'string') throw new ControlBodyError('title must be a string');
      const groupIds = ints(body, 'groupIds');
      const admins = ints(body, 'admins');
      const owner = optionalInt(body, 'owner');
      const chat = sandbox().createChat({
        title: body.title,
        members: ints(body, 'members') ?? [],
        ...(groupIds ? { groupIds } : {}),
        ...(admins ? { admins } : {}),
        ...(owner === undefined ? {} : { owner }),
      });
      return chatSummary(chat);
    }),
  );
  app.get('/_sandbox/chats/:id', (c) => {
    try {
      return c.json(chatSummary(sandbox().chat(Number(c.req.param('id')))));
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 404);
    }
  });
  app.post('/_sandbox/chats/:id/:action', (c) => {
    const action = ACTIONS[c.req.param('action')];
    if (!action || !Object.hasOwn(ACTIONS, c.req.param('action'))) {
      return c.json({ error: `unknown chat action; one of ${CHAT_CONTROL_ACTIONS.join(', ')}` }, 404);
    }
    return answer(c, (body) => action(sandbox().chat(Number(c.req.param('id'))), body));
  });
}
