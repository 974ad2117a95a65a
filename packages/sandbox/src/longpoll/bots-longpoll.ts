import type { SandboxState } from '../state.js';
import { answerLongPoll, failedJson, type LongPollOutcome } from './answer.js';

export type { LongPollOutcome } from './answer.js';

/**
 * Answers `?act=a_check&key=&ts=&wait=` for a community, with VK's semantics: events after `ts`
 * and the new `ts` (a string), held up to `wait` seconds (≤ 90) until events come; `failed: 1`
 * for a ts outside the kept history, `failed: 2` for an unknown or expired key. `signal` aborts
 * when the client goes away or the sandbox closes. Extra query parameters are ignored.
 */
export function answerBotsLongPoll(
  state: SandboxState,
  groupId: number,
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<LongPollOutcome> {
  return answerLongPoll(
    state,
    {
      faultTarget: 'longPoll',
      expireKeys: () => state.longPollKeys.expire(groupId),
      lastSeq: () => state.stream(groupId).lastSeq,
      reject: (request) =>
        request.get('act') !== 'a_check' || state.longPollKeys.owner(request.get('key') ?? '') !== groupId
          ? failedJson(2)
          : undefined,
      stream: () => state.stream(groupId),
      // VK sends ts as a string in normal Bots Long Poll answers (and as a number in failed ones).
      head: (ts) => `{"ts":"${ts}","updates":[`,
    },
    query,
    signal,
  );
}
