import { type FaultOutcome, resolveFault } from '../http/fault-outcome.js';
import type { SandboxState } from '../state.js';

const MAX_WAIT_SECONDS = 90;

/** What a Bots Long Poll request gets: JSON bytes, or a transport fault. */
export type LongPollOutcome = { kind: 'json'; pieces: Uint8Array[] } | FaultOutcome;

const encoder = new TextEncoder();
const COMMA = encoder.encode(',');
const CLOSE = encoder.encode(']}');

function json(text: string): LongPollOutcome {
  return { kind: 'json', pieces: [encoder.encode(text)] };
}

function failed(code: number, ts?: number): LongPollOutcome {
  // VK sends ts as a number inside failed answers (and as a string in normal ones).
  return json(ts === undefined ? `{"failed":${code}}` : `{"failed":${code},"ts":${ts}}`);
}

/**
 * Answers `?act=a_check&key=&ts=&wait=` for a community, with VK's semantics: events after `ts`
 * and the new `ts` (a string), held up to `wait` seconds (≤ 90) until events come; `failed: 1`
 * for a ts outside the kept history, `failed: 2` for an unknown or expired key. `signal` aborts
 * when the client goes away or the sandbox closes. Extra query parameters are ignored.
 */
export async function answerBotsLongPoll(
  state: SandboxState,
  groupId: number,
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<LongPollOutcome> {
  const ts = Number(query.get('ts') ?? Number.NaN);
  const fault = state.faults.take('longPoll');
  const transport = await resolveFault(fault, signal);
  if (transport) return transport;
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
  if (read.kind === 'events' && read.count === 0 && waitSeconds > 0 && !signal.aborted) {
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(waitSeconds * 1000)]);
    await stream.waitForEvents(ts, timeout);
    read = stream.read(ts, limit);
  }
  if (read.kind === 'outdated') return failed(1, read.ts);
  const pieces: Uint8Array[] = [encoder.encode(`{"ts":"${read.ts}","updates":[`)];
  read.pieces.forEach((piece, index) => {
    if (index > 0) pieces.push(COMMA);
    pieces.push(piece);
  });
  pieces.push(CLOSE);
  return { kind: 'json', pieces };
}
