import type { Context } from 'hono';
import type { SandboxState } from '../state.js';
import { applyFault } from './api-route.js';
import { jsonText, requestSignal, type SandboxEnv } from './hold.js';

const MAX_WAIT_SECONDS = 90;

function failed(code: number, ts?: number): Response {
  // VK sends ts as a number inside failed answers (and as a string in normal ones).
  return jsonText(ts === undefined ? `{"failed":${code}}` : `{"failed":${code},"ts":${ts}}`);
}

/** `GET /whp/<group_id>?act=a_check&key=&ts=&wait=`: a community's Bots Long Poll server. */
export function botsLongPollHandler(state: SandboxState, closing: AbortSignal) {
  return async (c: Context<SandboxEnv>): Promise<Response> => {
    const groupId = Number(c.req.param('groupId'));
    const query = new URL(c.req.url).searchParams;
    const ts = Number(query.get('ts') ?? Number.NaN);
    const fault = state.faults.take('longPoll');
    const faulted = await applyFault(c, closing, fault);
    if (faulted) return faulted;
    if (fault?.kind === 'failed') {
      // failed 2 and 3 mean the key is gone: a client that keeps using it keeps getting failed 2.
      if (fault.code !== 1) state.expireLongPollKeys(groupId);
      return failed(
        fault.code,
        fault.code === 1 ? (Number.isInteger(ts) ? ts : state.stream(groupId).lastSeq) : undefined,
      );
    }
    const key = query.get('key') ?? '';
    if (query.get('act') !== 'a_check' || state.longPollKeyGroup(key) !== groupId) return failed(2);
    const stream = state.stream(groupId);
    if (!Number.isInteger(ts)) return failed(1, stream.lastSeq);
    const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, Number(query.get('wait') ?? 25) || 0));
    const limit = state.options.longPoll.maxBatch;
    let read = stream.read(ts, limit);
    if (read.kind === 'events' && read.events.length === 0 && waitSeconds > 0) {
      const { signal, dispose } = requestSignal(c, closing, waitSeconds * 1000);
      await stream.waitForEvents(ts, signal);
      dispose();
      read = stream.read(ts, limit);
    }
    if (read.kind === 'outdated') return failed(1, read.ts);
    return jsonText(`{"ts":"${read.ts}","updates":[${read.events.join(',')}]}`);
  };
}
