import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { LongPollOutcome } from '../longpoll/answer.js';
import { answerBotsLongPoll } from '../longpoll/bots-longpoll.js';
import { answerUserLongPoll } from '../longpoll/user-longpoll.js';
import type { SandboxState } from '../state.js';
import { proxyPageBody } from './fault-outcome.js';
import { dropConnection, proxyPage, requestSignal, type SandboxEnv } from './hold.js';

const JSON_TYPE = 'application/json; charset=utf-8';

/** A long poll endpoint: the id in its path (group id, or the User Long Poll owner), the query, a signal. */
export type LongPollAnswerer = (
  state: SandboxState,
  id: number,
  query: URLSearchParams,
  signal: AbortSignal,
) => Promise<LongPollOutcome>;

/** The long poll endpoints by path: Bots Long Poll at `/whp/<group_id>`, User Long Poll at `/im/<owner>`. */
const ENDPOINTS: ReadonlyArray<readonly [RegExp, LongPollAnswerer]> = [
  [/^\/whp\/(\d+)(?:\?|$)/, answerBotsLongPoll],
  [/^\/im\/(-?\d+)(?:\?|$)/, answerUserLongPoll],
];

/** A long poll endpoint through hono (used by `app.fetch`, for example on edge runtimes). */
export function longPollRoute(
  state: SandboxState,
  closing: AbortSignal,
  answer: LongPollAnswerer,
  param: string,
) {
  return async (c: Context<SandboxEnv>): Promise<Response> => {
    const { signal, dispose } = requestSignal(c, closing);
    const outcome = await answer(state, Number(c.req.param(param)), new URL(c.req.url).searchParams, signal);
    dispose();
    if (outcome.kind === 'page') return proxyPage(outcome.status);
    if (outcome.kind === 'drop') return dropConnection(c);
    return new Response(Buffer.concat(outcome.pieces), { headers: { 'content-type': JSON_TYPE } });
  };
}

/**
 * The same endpoints straight on node:http, which the served sandbox uses: answers are written
 * as slices of the stored event bytes in one writev, without building a Response. Returns false
 * for requests it does not serve.
 */
export function nodeLongPollListener(state: SandboxState, closing: AbortSignal) {
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (request.method !== 'GET') return false;
    const url = request.url ?? '';
    let match: RegExpExecArray | null = null;
    let answer: LongPollAnswerer | undefined;
    for (const [pattern, endpoint] of ENDPOINTS) {
      match = pattern.exec(url);
      if (match) {
        answer = endpoint;
        break;
      }
    }
    if (!match || !answer) return false;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    response.once('close', abort);
    closing.addEventListener('abort', abort, { once: true });
    const query = new URLSearchParams(url.split('?')[1] ?? '');
    void answer(state, Number(match[1]), query, controller.signal)
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
