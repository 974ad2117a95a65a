import { errorText, type Logger, VkwireConfigError } from '@vkwire/core';
import type { Context } from '../../context.js';
import { WaitCancelledError, WaitTimeoutError } from './errors.js';
import { isWaitFilter, matchesWait, type WaitFilter } from './filter.js';

/** Options of `ctx.waitFor`. */
export interface WaitOptions {
  /** Milliseconds to wait before rejecting with `WaitTimeoutError`. @default 300000 (5 minutes) */
  timeout?: number;
}

const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * One handler's run across its waits. Each `turn` is the stretch between two waits: the update
 * that started it counts as handled when the handler waits again or ends, so the conversation's
 * next update can reach the waiter (a transport handles one conversation's updates one at a time).
 */
class Flow {
  private turn = settle();

  /** Resolves when the current turn ends (the handler waits again, or finishes). */
  current(): Promise<void> {
    return this.turn.promise;
  }

  /** Ends the current turn and opens the next. */
  pause(): void {
    const ended = this.turn;
    this.turn = settle();
    ended.resolve();
  }

  /** The handler finished. */
  end(): void {
    this.turn.resolve();
  }
}

interface Waiter {
  readonly filter: WaitFilter;
  readonly flow: Flow;
  readonly resolve: (ctx: Context) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The pending `ctx.waitFor` calls of one bot, keyed by community, conversation and user, and the
 * interception of updates they wait for: an update a waiter matches goes to it and to no handler.
 */
export class WaitRegistry {
  private readonly waiters = new Map<string, Waiter[]>();
  /** How many waits are pending per community and conversation. */
  private readonly waitingPeers = new Map<string, number>();
  /** The last update handled aside in a conversation where a handler waits. */
  private readonly detached = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly logger: Logger) {}

  /**
   * Delivers one update: to the first waiter of its user in its conversation whose filter it
   * matches, else to `dispatch`. Resolves when the update is handled, or when its handler starts
   * waiting (the rest of the handler runs on, given to `track` so that `stop()` waits for it).
   */
  async deliver(
    ctx: Context,
    dispatch: (ctx: Context) => Promise<void>,
    track: (work: Promise<void>) => void,
  ): Promise<void> {
    const waiter = this.take(ctx);
    if (waiter !== undefined) {
      (ctx as Bound)[BINDING] = { registry: this, flow: waiter.flow };
      const turn = waiter.flow.current();
      waiter.resolve(ctx);
      await turn;
      await this.answerPress(ctx);
      return;
    }
    const flow = new Flow();
    (ctx as Bound)[BINDING] = { registry: this, flow };
    // Until those handled aside are done, the conversation's next updates queue behind them.
    if (this.waitingPeers.size > 0 || this.detached.size > 0) {
      const peer = peerOf(ctx);
      if (peer !== undefined && (this.waitingPeers.has(peer) || this.detached.has(peer))) {
        this.detach(peer, ctx, flow, dispatch, track);
        return;
      }
    }
    let finished = false;
    const turn = flow.current();
    const work = dispatch(ctx).finally(() => {
      finished = true;
      flow.end();
    });
    await turn;
    if (finished) return;
    track(work);
    await this.answerPress(ctx);
  }

  /**
   * Handles an update of a conversation where a handler waits, without holding the conversation:
   * its handlers may need state the waiting handler holds until it finishes (a session's key), and
   * the answer the wait needs must still be able to arrive. Such updates run in their order, each
   * once the previous one's handler is done or waits; the bot answers a button press after its
   * handlers, as always.
   */
  private detach(
    peer: string,
    ctx: Context,
    flow: Flow,
    dispatch: (ctx: Context) => Promise<void>,
    track: (work: Promise<void>) => void,
  ): void {
    const previous = this.detached.get(peer) ?? Promise.resolve();
    const turn = flow.current();
    const work = previous.then(() => dispatch(ctx)).finally(() => flow.end());
    // The next one may start once this one's handler is done or waits, as in the bot's own queue.
    const tail = turn.then(() => undefined);
    this.detached.set(peer, tail);
    void tail.then(() => {
      if (this.detached.get(peer) === tail) this.detached.delete(peer);
    });
    track(work);
  }

  /**
   * Waits for the next update of `ctx`'s user in `ctx`'s conversation that matches `filter`.
   * Rejects with `WaitTimeoutError` after the timeout, `WaitCancelledError` when the bot stops.
   */
  /** @internal `waitFor`'s entry. */
  waitIn(ctx: Context, flow: Flow, filter: WaitFilter, options: WaitOptions): Promise<Context> {
    if (!isWaitFilter(filter))
      throw new VkwireConfigError('waitFor', 'filter', 'an update type, a predicate or a filter object', {
        got: filter,
      });
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout))
      throw new VkwireConfigError('waitFor', 'timeout', 'a positive number of milliseconds', {
        got: timeout,
      });
    if (this.closed)
      return Promise.reject(new WaitCancelledError('the bot was stopped: it waits for nothing'));
    const key = keyOf(ctx);
    if (key === undefined)
      throw new TypeError(
        `ctx.waitFor() needs an update with a user in a conversation; ${ctx.update.type} has none`,
      );
    return new Promise<Context>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.remove(key, waiter);
        reject(new WaitTimeoutError(timeout));
      }, timeout);
      const waiter: Waiter = {
        filter,
        flow,
        resolve: (next) => {
          clearTimeout(timer);
          resolve(next);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const list = this.waiters.get(key) ?? [];
      list.push(waiter);
      this.waiters.set(key, list);
      const peer = peerOf(ctx) as string;
      this.waitingPeers.set(peer, (this.waitingPeers.get(peer) ?? 0) + 1);
      flow.pause();
    });
  }

  /** Rejects every pending wait with `WaitCancelledError`; later waits reject at once. */
  cancelAll(): void {
    this.closed = true;
    const all = [...this.waiters.values()].flat();
    this.waiters.clear();
    this.waitingPeers.clear();
    for (const waiter of all) waiter.reject(new WaitCancelledError('the bot was stopped while waiting'));
  }

  /** How many waits are pending. */
  get size(): number {
    let count = 0;
    for (const list of this.waiters.values()) count += list.length;
    return count;
  }

  /** Takes out the first waiter the update answers. */
  private take(ctx: Context): Waiter | undefined {
    if (this.waiters.size === 0) return undefined;
    const key = keyOf(ctx);
    const list = key === undefined ? undefined : this.waiters.get(key);
    if (key === undefined || list === undefined) return undefined;
    const found = list.find((waiter) => {
      try {
        return matchesWait(waiter.filter, ctx);
      } catch (error) {
        this.logger.warn(
          { type: ctx.update.type, peer_id: ctx.peerId, error: errorText(error) },
          'a waitFor filter threw: the update does not count as a match',
        );
        return false;
      }
    });
    if (found !== undefined) this.remove(key, found);
    return found;
  }

  private remove(key: string, waiter: Waiter): void {
    const list = this.waiters.get(key);
    const index = list?.indexOf(waiter) ?? -1;
    if (list === undefined || index < 0) return;
    list.splice(index, 1);
    if (list.length === 0) this.waiters.delete(key);
    const peer = key.slice(0, key.lastIndexOf(':'));
    const left = (this.waitingPeers.get(peer) ?? 1) - 1;
    if (left > 0) this.waitingPeers.set(peer, left);
    else this.waitingPeers.delete(peer);
  }

  /** Stops the spinner of a callback button press nobody answered (as the bot does after handlers). */
  private async answerPress(ctx: Context): Promise<void> {
    if (ctx.answered || ctx.buttonPress() === undefined || ctx.signal.aborted) return;
    try {
      await ctx.answer();
    } catch (error) {
      this.logger.warn(
        { type: ctx.update.type, event_id: ctx.delivery.eventId, error: errorText(error) },
        'could not answer a callback button press',
      );
    }
  }
}

/**
 * Which registry and handler run a context belongs to, set when the bot delivers it. A property of
 * the context, not a WeakMap entry: a WeakMap of every update's context cost the garbage collector
 * more than all of a stateless bot's dispatch (it made such a bot half as fast).
 */
const BINDING: unique symbol = Symbol('vkwire.wait');
type Bound = Context & { [BINDING]?: { registry: WaitRegistry; flow: Flow } };

/**
 * `ctx.waitFor`: waits for the next update of `ctx`'s user in `ctx`'s conversation that matches
 * `filter` (see `Context#waitFor`).
 */
export function waitFor(ctx: Context, filter: WaitFilter, options: WaitOptions = {}): Promise<Context> {
  const binding = (ctx as Bound)[BINDING];
  if (binding === undefined)
    return Promise.reject(
      new WaitCancelledError('this context was not delivered by a running Bot: nothing to wait with'),
    );
  return binding.registry.waitIn(ctx, binding.flow, filter, options);
}

/** Community, conversation and user: who a wait belongs to. */
function keyOf(ctx: Context): string | undefined {
  const peer = peerOf(ctx);
  const user = ctx.senderId;
  if (peer === undefined || user === undefined) return undefined;
  return `${peer}:${user}`;
}

/** Community and conversation: the part of a wait's key an update of any member shares. */
function peerOf(ctx: Context): string | undefined {
  const peer = ctx.peerId;
  return peer === undefined ? undefined : `${ctx.groupId ?? 0}:${peer}`;
}

function settle(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
