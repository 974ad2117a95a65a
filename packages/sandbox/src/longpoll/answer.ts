import type { FaultTarget } from '../faults.js';
import { type FaultOutcome, resolveFault } from '../http/fault-outcome.js';
import type { SandboxState } from '../state.js';
import type { EventStream } from './event-stream.js';

/** VK holds a long poll request at most this long, whatever `wait` asks for. */
const MAX_WAIT_SECONDS = 90;

/** What a long poll request gets: JSON bytes, or a transport fault. */
export type LongPollOutcome = { kind: 'json'; pieces: Uint8Array[] } | FaultOutcome;

/**
 * What differs between VK's long poll endpoints (Bots Long Poll, User Long Poll); the request
 * handling around it — faults, `failed` answers, holding, batching — is `answerLongPoll`.
 */
export interface LongPollChannel {
  /** Whose fault switches apply. */
  faultTarget: FaultTarget;
  /** Makes the stream's keys invalid (what `failed: 2` and `failed: 3` mean). */
  expireKeys(): void;
  /** The newest ts (a `failed: 1` fault answers it when the client's ts is not a number). */
  lastSeq(): number;
  /** Checks `act`, `key` and the like: undefined when the request may read, else a failed answer's JSON. */
  reject(query: URLSearchParams): string | undefined;
  /** The stream the request reads (once `reject` let it through). */
  stream(query: URLSearchParams): EventStream;
  /** The JSON before the updates' contents, e.g. `{"ts":"5","updates":[`. */
  head(ts: number, query: URLSearchParams): string;
}

const encoder = new TextEncoder();
const COMMA = encoder.encode(',');
const CLOSE = encoder.encode(']}');

/** A JSON answer from text. */
export function jsonOutcome(text: string): LongPollOutcome {
  return { kind: 'json', pieces: [encoder.encode(text)] };
}

/** `{"failed":N}` or `{"failed":N,"ts":M}`; ts is a number in failed answers of both long polls. */
export function failedJson(code: number, ts?: number): string {
  return ts === undefined ? `{"failed":${code}}` : `{"failed":${code},"ts":${ts}}`;
}

/**
 * Answers `?act=a_check&key=&ts=&wait=` with VK's semantics: the fault switches of the channel's
 * target first; then the channel's checks (`failed: 2` for a bad key, ...); events after `ts`
 * and the new ts, held up to `wait` seconds (≤ 90) until events come; `failed: 1` with the ts to
 * continue from for a ts outside the kept history. `signal` aborts when the client goes away or
 * the sandbox closes. Extra query parameters are ignored.
 */
export async function answerLongPoll(
  state: SandboxState,
  channel: LongPollChannel,
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<LongPollOutcome> {
  const ts = Number(query.get('ts') ?? Number.NaN);
  const fault = state.faults.take(channel.faultTarget);
  const transport = await resolveFault(fault, signal);
  if (transport) return transport;
  if (fault?.kind === 'failed') {
    // failed 2 and 3 mean the key is gone: a client that keeps using it keeps getting failed 2.
    if (fault.code !== 1) channel.expireKeys();
    return jsonOutcome(
      failedJson(fault.code, fault.code === 1 ? (Number.isInteger(ts) ? ts : channel.lastSeq()) : undefined),
    );
  }
  const rejected = channel.reject(query);
  if (rejected !== undefined) return jsonOutcome(rejected);
  const stream = channel.stream(query);
  if (!Number.isInteger(ts)) return jsonOutcome(failedJson(1, stream.lastSeq));
  const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, Number(query.get('wait') ?? 25) || 0));
  const limit = state.options.longPoll.maxBatch;
  let read = stream.read(ts, limit);
  if (read.kind === 'events' && read.count === 0 && waitSeconds > 0 && !signal.aborted) {
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(waitSeconds * 1000)]);
    await stream.waitForEvents(ts, timeout);
    read = stream.read(ts, limit);
  }
  if (read.kind === 'outdated') return jsonOutcome(failedJson(1, read.ts));
  if (state.options.vkLike) return builtAnswer(channel.head(read.ts, query), read.pieces);
  const pieces: Uint8Array[] = [encoder.encode(channel.head(read.ts, query))];
  read.pieces.forEach((piece, index) => {
    if (index > 0) pieces.push(COMMA);
    pieces.push(piece);
  });
  pieces.push(CLOSE);
  return { kind: 'json', pieces };
}

const decoder = new TextDecoder();

/**
 * The answer built for this request, as VK builds it (the `vkLike` benchmark mode): the kept
 * events are read back into objects and the answer is serialized anew, instead of the stored
 * bytes being written as they are.
 */
function builtAnswer(head: string, pieces: readonly Uint8Array[]): LongPollOutcome {
  const updates = pieces.flatMap((piece) => JSON.parse(`[${decoder.decode(piece)}]`) as unknown[]);
  const body = JSON.stringify(updates);
  return jsonOutcome(`${head}${body.slice(1, -1)}]}`);
}
