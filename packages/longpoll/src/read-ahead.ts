import type { PollAnswer, PollSource } from './engine.js';

/** A long poll request in flight: the ts it asked from, its answer, its own abort. */
interface Request<U> {
  readonly ts: string;
  readonly answer: Promise<PollAnswer<U>>;
  readonly controller: AbortController;
}

/**
 * The poll loop's requests: the one it waits for, and at most one sent ahead for the answer after
 * it. That one goes out as soon as the ts it needs is known — from the first bytes of the answer
 * the loop waits for, when the source can read it there, else once that answer is parsed — so the
 * server builds the next answer while this process parses and dispatches (VK's servers take their
 * time per answer). A request sent on an early ts the parsed answer contradicts is dropped unread;
 * so is the one ahead at a failure, a `failed` answer or the end of the run.
 */
export class ReadAhead<U> {
  private ahead: Request<U> | undefined;
  private awaited: Request<U> | undefined;

  constructor(
    private readonly source: PollSource<U>,
    /** The run's signal: aborts every request. */
    private readonly signal: AbortSignal,
  ) {}

  /** The answer from `ts`: the request already sent ahead for it, or a new one. */
  next(ts: string): Promise<PollAnswer<U>> {
    let request = this.ahead;
    this.ahead = undefined;
    if (request !== undefined && request.ts !== ts) {
      request.controller.abort();
      request = undefined;
    }
    request ??= this.send(ts);
    this.awaited = request;
    return request.answer;
  }

  /** The awaited answer came with `ts`: the next one is asked for when it had updates. */
  answered(ts: string, hasUpdates: boolean): void {
    // An empty answer (the server's wait ran out) has nothing to overlap with.
    if (!hasUpdates || this.ahead?.ts !== ts) this.drop();
    if (hasUpdates) this.ahead ??= this.send(ts);
  }

  /** Drops the request sent ahead, if any (aborted, never read). */
  drop(): void {
    this.ahead?.controller.abort();
    this.ahead = undefined;
  }

  /**
   * Sends a request from `ts` with an abort of its own, which the run's signal aborts too. Its
   * failure is handled where it is awaited; one never awaited is abandoned unread.
   */
  private send(ts: string): Request<U> {
    const { signal } = this;
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    const answer = this.source.poll(ts, controller.signal, (next) => {
      if (this.awaited === request && this.ahead === undefined && !signal.aborted)
        this.ahead = this.send(next);
    });
    const request: Request<U> = { ts, answer, controller };
    const forget = (): void => signal.removeEventListener('abort', abort);
    answer.then(forget, forget);
    return request;
  }
}
