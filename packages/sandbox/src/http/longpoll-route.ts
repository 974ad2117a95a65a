import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { answerBotsLongPoll, type LongPollOutcome } from '../longpoll/bots-longpoll.js';
import type { SandboxState } from '../state.js';
import { proxyPageBody } from './fault-outcome.js';
import { dropConnection, proxyPage, requestSignal, type SandboxEnv } from './hold.js';

const LONG_POLL_PATH = /^\/whp\/(\d+)(?:\?|$)/;
const JSON_TYPE = 'application/json; charset=utf-8';

/** `GET /whp/<group_id>` through hono (used by `app.fetch`, for example on edge runtimes). */
export function botsLongPollRoute(state: SandboxState, closing: AbortSignal) {
  return async (c: Context<SandboxEnv>): Promise<Response> => {
    const { signal, dispose } = requestSignal(c, closing);
    const outcome = await answerBotsLongPoll(
      state,
      Number(c.req.param('groupId')),
      new URL(c.req.url).searchParams,
      signal,
    );
    dispose();
    if (outcome.kind === 'page') return proxyPage(outcome.status);
    if (outcome.kind === 'drop') return dropConnection(c);
    return new Response(Buffer.concat(outcome.pieces), { headers: { 'content-type': JSON_TYPE } });
  };
}

/**
 * The same endpoint straight on node:http, which the served sandbox uses: answers are written
 * as slices of the stored event bytes in one writev, without building a Response. Returns false
 * for requests it does not serve.
 */
export function nodeLongPollListener(state: SandboxState, closing: AbortSignal) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    const match = request.method === 'GET' ? LONG_POLL_PATH.exec(request.url ?? '') : null;
    if (!match) return false;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    response.once('close', abort);
    closing.addEventListener('abort', abort, { once: true });
    const query = new URLSearchParams((request.url ?? '').split('?')[1] ?? '');
    void answerBotsLongPoll(state, Number(match[1]), query, controller.signal)
      .then((outcome) => writeOutcome(request, response, outcome))
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`sandbox failure: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => closing.removeEventListener('abort', abort));
    return true;
  };
}

function writeOutcome(request: IncomingMessage, response: ServerResponse, outcome: LongPollOutcome): void {
  if (outcome.kind === 'drop') {
    request.socket.destroy();
    return;
  }
  if (outcome.kind === 'page') {
    response.writeHead(outcome.status, { 'content-type': 'text/html' });
    response.end(proxyPageBody(outcome.status));
    return;
  }
  let length = 0;
  for (const piece of outcome.pieces) length += piece.byteLength;
  response.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': length });
  response.cork();
  for (const piece of outcome.pieces) response.write(piece);
  response.end();
}
