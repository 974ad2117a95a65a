import type { CallOptions } from '@vkwire/api-client';
import type { UpdateContext } from '@vkwire/core';
import type { BaseContext, ReplyInput, SendOptions } from '../../context.js';
import { ConversationError, ConversationExternalError, ConversationTimeoutError } from './errors.js';
import type { LogStep, PendingWait, StoredConversation } from './log.js';

/**
 * Which update a wait takes: an update type (`'message_new'`, or `'message'` for it), several, or
 * a predicate on the update's context. Without one, any update of the conversation's user and chat.
 */
export type ConversationWaitFilter<X> = string | readonly string[] | ((ctx: X) => boolean | Promise<boolean>);

/** Options of {@link Conversation.waitFor}. */
export interface ConversationWaitOptions<X> {
  /**
   * What to do with an update the filter refuses: a text to reply, or a function given its
   * context. Without it, the update passes on to the rest of the bot.
   */
  otherwise?: string | ((ctx: X) => unknown) | undefined;
  /**
   * Milliseconds to wait. The deadline is stored with the conversation (it survives a restart and
   * holds on every worker) and checked when the user's next update arrives: past it, that update
   * is taken by the expiry, `onTimeout` runs, and the wait throws {@link ConversationTimeoutError}
   * (uncaught, the conversation ends with `{ status: 'timeout' }`). @default no timeout
   */
  timeout?: number | undefined;
  /**
   * Run when the wait expired, before the error is thrown: a text to reply, or a function given the
   * context of the update that found it expired (its `reply` is sent once, as any `conv` reply).
   */
  onTimeout?: string | ((ctx: X) => unknown) | undefined;
}

/**
 * The handle a conversation function gets. Everything it does outside `external` (and `reply`,
 * `now`, `random`, which are made of it) runs again on every replay, so it must be deterministic.
 */
export interface Conversation<C extends BaseContext, X extends BaseContext> {
  /** The run's id (made when it was entered; the same on every replay and worker). */
  readonly id: string;
  /** The name the conversation was defined under. */
  readonly name: string;
  /**
   * The next update of the same user in the same chat that `filter` takes. Answered from the log
   * on replay; the first wait without a stored answer pauses the function until such an update.
   *
   * @throws ConversationTimeoutError when `timeout` passed before such an update came
   */
  waitFor(filter?: ConversationWaitFilter<X>, options?: ConversationWaitOptions<X>): Promise<X>;
  /**
   * Runs a side effect once: live, `fn` runs with the current update's context (with its session
   * and other middleware fields) and its result (JSON) or error is logged; on replay the logged
   * result is returned (or error thrown) without running `fn`. An error `fn` throws comes out as
   * {@link ConversationExternalError} (its name and message), the same live and on replay.
   */
  external<R>(fn: (ctx: C) => R | Promise<R>): Promise<R>;
  /** Replies in the conversation's chat once (an `external`): not sent again on replay. Resolves with the message id. */
  reply(input: ReplyInput, options?: CallOptions): Promise<number>;
  /** `Date.now()` as it was the first time (an `external`). */
  now(): Promise<number>;
  /** `Math.random()` as it was the first time (an `external`). */
  random(): Promise<number>;
}

/** How a run of a conversation function stopped. */
export type RunOutcome =
  | { readonly kind: 'waiting' }
  | { readonly kind: 'done'; readonly result: unknown }
  | { readonly kind: 'failed'; readonly error: Error };

/** The function a conversation is written as: `conv`, the context of the update that entered it, and `enter`'s arguments. */
export type ConversationFn<C extends BaseContext, X extends BaseContext> = (
  conv: Conversation<C, X>,
  ctx: X,
  args: unknown,
) => unknown;

type ContextClass<X> = new (update: unknown, api: BaseContext['api'], delivery: UpdateContext) => X;

const never = <T>(): Promise<T> => new Promise<T>(() => {});

/** A value as it comes back from JSON (what a replay would see), or a typed error when it is not JSON. */
function throughJson<R>(value: R, name: string): R {
  if (value === undefined) return value;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined)
    throw new ConversationError(
      'not_serializable',
      `conv.external() in conversation "${name}" returned a value that is not JSON (return plain data, or nothing)`,
      name,
    );
  return JSON.parse(text) as R;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One run of a conversation function over its stored log: the log answers waits and externals in
 * order; past its end, `candidate` (the update being handled) answers the first wait that takes
 * it, and the next wait pauses the run (its promise never settles; the function is dropped).
 */
export class ConversationRun<C extends BaseContext, X extends BaseContext> implements Conversation<C, X> {
  readonly id: string;
  readonly name: string;
  /** The log as it is after this run (what to store when it waits). */
  readonly log: LogStep[];
  /** Whether the candidate update was taken by a wait. */
  consumed = false;
  /** The options of the wait that refused the candidate, when one did. */
  refusedBy: ConversationWaitOptions<X> | undefined;
  /** The deadline of the wait the run paused at, when it has a timeout (what to store). */
  pending: PendingWait | undefined;
  private cursor = 0;
  private settled = false;
  private finish: (outcome: RunOutcome) => void = () => {};
  private readonly stopped: Promise<RunOutcome>;

  /**
   * @param record the stored conversation
   * @param live the context of the update being handled
   * @param candidate the update a wait may take (none while entering)
   */
  constructor(
    private readonly record: StoredConversation,
    private readonly live: C,
    private readonly candidate: unknown,
  ) {
    this.id = record.id;
    this.name = record.name;
    this.log = [...record.log];
    this.stopped = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  /** Runs `fn` until it ends, throws, or waits for an update not in the log. */
  async execute(fn: ConversationFn<C, X>): Promise<RunOutcome> {
    const body = (async () => fn(this, this.contextOf(this.record.enter), this.record.args))().then(
      (result): RunOutcome => ({ kind: 'done', result }),
      (error: unknown): RunOutcome => ({ kind: 'failed', error: toError(error) }),
    );
    const outcome = await Promise.race([body, this.stopped]);
    this.settled = true;
    // A stored run paused at a wait, so a replay must reach one that takes (or refuses) the update:
    // returning before that means the code lost steps since the log was written.
    if (outcome.kind === 'done' && this.candidate !== undefined && !this.consumed)
      return {
        kind: 'failed',
        error: new ConversationError(
          'replay_mismatch',
          `conversation "${this.name}" returned at step ${this.cursor + 1} where its log has ${this.log.length} steps and a wait after them: its code changed mid-conversation (it lost a step), or it is not deterministic`,
          this.name,
        ),
      };
    return outcome;
  }

  async waitFor(filter?: ConversationWaitFilter<X>, options?: ConversationWaitOptions<X>): Promise<X> {
    if (this.settled) return never();
    const timeout = options?.timeout;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout)))
      throw new ConversationError(
        'wait_timeout',
        `conv.waitFor() in conversation "${this.name}" got timeout ${String(timeout)}: give a positive number of milliseconds`,
        this.name,
      );
    const step = this.next('a wait');
    if (step === 'mismatch') return never();
    if (step?.k === 't') return this.expire(step, options);
    if (step !== undefined) return this.contextOf((step as { u: unknown }).u);
    const stored = this.record.wait;
    const here = stored !== undefined && stored.at === this.cursor ? stored : undefined;
    if (this.candidate !== undefined && !this.consumed) {
      if (here !== undefined && Date.now() >= here.deadline) {
        // The update that found the wait expired is the expiry's: no later wait of this run takes it.
        this.consumed = true;
        const expired = { k: 't', u: this.candidate, d: here.deadline, ms: here.ms } as const;
        this.log.push(expired);
        this.cursor++;
        return this.expire(expired, options);
      }
      const ctx = this.contextOf(this.candidate);
      if (await matches(filter, ctx)) {
        if (this.settled) return never();
        this.consumed = true;
        this.log.push({ k: 'u', u: this.candidate });
        this.cursor++;
        return ctx;
      }
      this.refusedBy = options ?? {};
    }
    if (timeout !== undefined)
      this.pending = here ?? { at: this.cursor, deadline: Date.now() + timeout, ms: timeout };
    this.stop({ kind: 'waiting' });
    return never();
  }

  /** A wait that expired, live or on replay: `onTimeout` (sent once), then the typed error. */
  private async expire(
    step: { readonly u: unknown; readonly d: number; readonly ms: number },
    options: ConversationWaitOptions<X> | undefined,
  ): Promise<never> {
    const onTimeout = options?.onTimeout;
    if (typeof onTimeout === 'string') await this.reply(onTimeout);
    else if (onTimeout !== undefined) await onTimeout(this.contextOf(step.u));
    throw new ConversationTimeoutError(this.name, step.ms, step.d);
  }

  async external<R>(fn: (ctx: C) => R | Promise<R>): Promise<R> {
    if (this.settled) return never();
    const step = this.next('conv.external()');
    if (step === 'mismatch') return never();
    if (step?.k === 'x') return step.v as R;
    if (step?.k === 'e') throw new ConversationExternalError(step.name, step.message);
    if (this.candidate !== undefined && !this.consumed) {
      this.mismatch('conv.external()', 'the wait for this update');
      return never();
    }
    this.cursor++;
    try {
      const value = throughJson(await fn(this.live), this.name);
      this.log.push(value === undefined ? { k: 'x' } : { k: 'x', v: value });
      return value;
    } catch (thrown) {
      const error = toError(thrown);
      if (error instanceof ConversationError) throw error;
      this.log.push({ k: 'e', name: error.name, message: error.message });
      throw new ConversationExternalError(error.name, error.message, thrown);
    }
  }

  reply(input: ReplyInput, options?: CallOptions): Promise<number> {
    return this.external((ctx) => ctx.reply(input, options));
  }

  now(): Promise<number> {
    return this.external(() => Date.now());
  }

  random(): Promise<number> {
    return this.external(() => Math.random());
  }

  /** The next logged step if it is of the kind asked for; undefined past the log's end. */
  private next(what: 'a wait' | 'conv.external()'): LogStep | 'mismatch' | undefined {
    const step = this.log[this.cursor];
    if (step === undefined) return undefined;
    const isWait = step.k === 'u' || step.k === 't';
    const fits = what === 'a wait' ? isWait : !isWait;
    if (!fits) {
      this.mismatch(what, isWait ? 'a wait' : 'conv.external()');
      return 'mismatch';
    }
    this.cursor++;
    return step;
  }

  private mismatch(got: string, logged: string): void {
    this.stop({
      kind: 'failed',
      error: new ConversationError(
        'replay_mismatch',
        `conversation "${this.name}" reached ${got} at step ${this.cursor + 1} where its log has ${logged}: the function is not deterministic (wrap Date.now, Math.random, reads and API calls in conv.external), or its code changed mid-conversation`,
        this.name,
      ),
    });
  }

  private stop(outcome: RunOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.finish(outcome);
  }

  /** A context for a logged update, whose `reply` and `send` go through `external`. */
  private contextOf(update: unknown): X {
    const Class = this.live.constructor as ContextClass<X>;
    const made = new Class(update, this.live.api, this.live.delivery);
    made.commandSettings = this.live.commandSettings;
    const reply = made.reply.bind(made);
    const send = made.send.bind(made);
    Object.defineProperties(made, {
      reply: {
        value: (input: ReplyInput, options?: CallOptions) => this.external(() => reply(input, options)),
      },
      send: {
        value: (input: string | SendOptions, options?: CallOptions) =>
          this.external(() => send(input, options)),
      },
    });
    return made;
  }
}

async function matches<X extends BaseContext>(
  filter: ConversationWaitFilter<X> | undefined,
  ctx: X,
): Promise<boolean> {
  if (filter === undefined) return true;
  if (typeof filter === 'function') return Boolean(await filter(ctx));
  const types = typeof filter === 'string' ? [filter] : filter;
  const type = ctx.update.type;
  return types.some((wanted) => wanted === type || (wanted === 'message' && type === 'message_new'));
}
