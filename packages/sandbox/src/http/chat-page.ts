import { readFile } from 'node:fs/promises';
import type { Context, Hono } from 'hono';
import type { SandboxEnv } from './hold.js';

/** The page's files: `chat/` at the package root (the same path from `src/http` and `dist/http`). */
const CHAT_DIR = new URL('../../chat/', import.meta.url);

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'chat.css': 'text/css; charset=utf-8',
};

async function asset(c: Context<SandboxEnv>, name: string): Promise<Response> {
  const type = ASSETS[name];
  if (type === undefined || !Object.hasOwn(ASSETS, name)) return c.text('not found', 404);
  try {
    return new Response(await readFile(new URL(name, CHAT_DIR)), {
      headers: { 'content-type': type, 'cache-control': 'no-cache' },
    });
  } catch (error) {
    return c.text(`the chat page's file ${name} is missing: ${String(error)}`, 500);
  }
}

/** Serves the chat page at `/` and its files under `/_sandbox/chat/`. */
export function addChatPage(app: Hono<SandboxEnv>): void {
  app.get('/', (c) => asset(c, 'index.html'));
  app.get('/_sandbox/chat', (c) => c.redirect('/'));
  app.get('/_sandbox/chat/:file', (c) => asset(c, c.req.param('file')));
}
