/**
 * What `stop()` of anything that runs (a long poll client, a callback server, a bus consumer, a
 * bot) resolves with, once nothing of it runs any more.
 */
export interface StopResult {
  /**
   * Handlers still running when `stopTimeoutMs` ran out: their `signal` was aborted and their
   * outcomes are discarded (no checkpoint, no answer, no callback). 0 after a clean stop.
   */
  readonly abandoned: number;
}

/** How a running thing ended: what its `finished` promise resolves with (it never rejects). */
export interface Finished {
  /** `stopped`: `stop()` was called (or its signal aborted); `fatal`: it met an error no retry can fix. */
  readonly reason: 'stopped' | 'fatal';
  /** The fatal error (with `reason: 'fatal'`). */
  readonly error?: Error;
}

/**
 * Something that runs until stopped: a long poll client, a callback server, a bus consumer, a
 * bot. The convention everywhere: things that run end with `stop()`, resources (API clients,
 * stores, publishers) with `close()`.
 */
export interface Stoppable {
  /**
   * Stops taking work, waits for running handlers up to the component's `stopTimeoutMs`, aborts
   * the rest through their signal and resolves when nothing of it runs any more. Calling it again
   * returns the same promise.
   */
  stop(): Promise<StopResult>;
}

/** A resource that holds connections or timers until closed. */
export interface Closable {
  /** Releases everything it holds; resolves when it is released. */
  close(): Promise<void>;
}
