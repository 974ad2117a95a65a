/**
 * The typed errors of the bus. Each has a stable `name` and a machine `code`; catch them with
 * `instanceof` or by `code`.
 */

/** The machine codes of the bus's errors. */
export type BusErrorCode = 'partition_mismatch' | 'bus_unavailable' | 'bus_closed' | 'invalid_event';

/** What every error of the bus has: a stable `name`, a machine `code`, the stream it is about. */
export abstract class VkwireBusError extends Error {
  /** The machine code (see {@link BusErrorCode}). */
  abstract readonly code: BusErrorCode;
  /** The bus (its base stream name, e.g. `vkwire:events`) the error is about. */
  readonly stream: string;

  /**
   * @param stream the bus's base stream name
   * @param message what went wrong, naming the limit or the expected value
   * @param options `cause` when another error is behind this one
   */
  protected constructor(stream: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.stream = stream;
  }
}

/**
 * The bus was created with another partition count than this publisher or consumer was configured
 * with. The count is fixed by the first publisher or consumer (in `<stream>:meta`) because a
 * different count would move conversations to other partitions and break their order.
 *
 * @example
 * try { await publisher.publish(event); }
 * catch (error) { if (error instanceof BusPartitionMismatchError) console.error(error.stored, error.configured); }
 */
export class BusPartitionMismatchError extends VkwireBusError {
  override readonly name = 'BusPartitionMismatchError';
  readonly code = 'partition_mismatch';
  /** The count the bus was created with (stored in `<stream>:meta`). */
  readonly stored: number;
  /** The count this component was configured with. */
  readonly configured: number;

  /**
   * @param component who found it, e.g. `'createPublisher'`
   * @param stream the bus's base stream name
   * @param stored the count in `<stream>:meta`
   * @param configured the count in the options
   */
  constructor(component: string, stream: string, stored: number, configured: number) {
    super(
      stream,
      `${component}: the bus "${stream}" has ${stored} partitions (stored in "${stream}:meta"), ` +
        `but \`partitions\` is ${configured}; configure ${stored}, or use another stream name`,
    );
    this.stored = stored;
    this.configured = configured;
  }
}

/** Why the bus was unavailable: too long without Redis, or too many entries waiting for it. */
export type BusUnavailableReason = 'max_wait' | 'max_buffered';

/**
 * Redis did not acknowledge in time: it was unreachable for longer than `maxWaitMs`, or more than
 * `maxBuffered` entries were already waiting for it. Nothing of the rejected call is known to be
 * written (it may have been, if Redis acknowledged after the bound: publishing it again is safe
 * with dedupe on). A caller such as the fetcher stops advancing its checkpoint on it.
 */
export class BusUnavailableError extends VkwireBusError {
  override readonly name = 'BusUnavailableError';
  readonly code = 'bus_unavailable';
  /** Which bound was passed. */
  readonly reason: BusUnavailableReason;
  /** The bound that was passed: milliseconds for `max_wait`, entries for `max_buffered`. */
  readonly limit: number;

  /**
   * @param component who gave up, e.g. `'publisher.publish'`
   * @param stream the bus's base stream name
   * @param reason which bound was passed
   * @param limit that bound's value
   * @param options `cause`: the last Redis error, if any
   */
  constructor(
    component: string,
    stream: string,
    reason: BusUnavailableReason,
    limit: number,
    options?: { cause?: unknown },
  ) {
    super(
      stream,
      reason === 'max_wait'
        ? `${component}: Redis did not acknowledge within maxWaitMs = ${limit} ms (bus "${stream}")`
        : `${component}: more than maxBuffered = ${limit} entries are already waiting for Redis (bus "${stream}")`,
      options,
    );
    this.reason = reason;
    this.limit = limit;
  }
}

/** A publisher or consumer was used after `close()` / `stop()`. */
export class BusClosedError extends VkwireBusError {
  override readonly name = 'BusClosedError';
  readonly code = 'bus_closed';

  /**
   * @param component what was called, e.g. `'publisher.publish'`
   * @param stream the bus's base stream name
   */
  constructor(component: string, stream: string) {
    super(stream, `${component}: called after close() (bus "${stream}")`);
  }
}

/**
 * `publish` was given something that is not a normalized event (no string `event_id`, no
 * `event_type`, no `group_id`): nothing of that call was written.
 */
export class BusInvalidEventError extends VkwireBusError {
  override readonly name = 'BusInvalidEventError';
  readonly code = 'invalid_event';
  /** The position of the bad event in the call (0 for a single event). */
  readonly index: number;

  /**
   * @param component what was called, e.g. `'publisher.publish'`
   * @param stream the bus's base stream name
   * @param index the position of the bad event
   * @param problem what is wrong with it
   */
  constructor(component: string, stream: string, index: number, problem: string) {
    super(stream, `${component}: event ${index} is not a normalized vkwire event: ${problem}`);
    this.index = index;
  }
}
