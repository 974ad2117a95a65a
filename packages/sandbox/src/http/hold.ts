import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { proxyPageBody } from './fault-outcome.js';

/** The hono environment of the sandbox: node bindings when served by @hono/node-server. */
export interface SandboxEnv {
  Bindings: Partial<HttpBindings>;
}

/**
 * A signal that aborts when the client goes away, the sandbox closes, or `timeoutMs` passes
 * (when given). `dispose` releases the listeners.
 */
export function requestSignal(
  c: Context<SandboxEnv>,
  closing: AbortSignal,
  timeoutMs?: number,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const outgoing = c.env?.outgoing;
  outgoing?.once('close', abort);
  closing.addEventListener('abort', abort, { once: true });
  c.req.raw.signal?.addEventListener('abort', abort, { once: true });
  const timer = timeoutMs === undefined ? undefined : setTimeout(abort, timeoutMs);
  return {
    signal: controller.signal,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      outgoing?.off('close', abort);
      closing.removeEventListener('abort', abort);
      c.req.raw.signal?.removeEventListener('abort', abort);
    },
  };
}

/** Destroys the client's connection without an answer (a dropped connection fault). */
export function dropConnection(c: Context<SandboxEnv>): Response {
  const socket = c.env?.incoming?.socket;
  if (socket) {
    socket.destroy();
    return new Response(null, { status: 502 });
  }
  // Without a socket (app.fetch on an edge runtime) the closest thing is a bare 502.
  return new Response('connection dropped', { status: 502 });
}

/** A 5xx or HTML page as a proxy in front of VK answers. */
export function proxyPage(status: number): Response {
  return new Response(proxyPageBody(status), { status, headers: { 'content-type': 'text/html' } });
}

/** A JSON answer with VK's content type; `body` is already serialized. */
export function jsonText(body: string, status = 200): Response {
  return new Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
