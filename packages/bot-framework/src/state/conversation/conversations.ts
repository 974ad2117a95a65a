import { randomUUID } from 'node:crypto';
import { type KeyValueStore, MemoryKeyValueStore, VkwireConfigError } from '@vkwire/core';
import type { BaseContext, Context } from '../../context.js';
import type { MiddlewareFn, MiddlewareObj } from '../../middleware.js';
import { KeyLock } from '../key-lock.js';
import type { StateStoreOptions } from '../keys.js';
import { featureKey, isOwnMessage, keyFunction, type StateKeyFn } from '../keys.js';
import { ConversationError, ConversationTimeoutError } from './errors.js';
import { isStoredConversation, type StoredConversation } from './log.js';
import { type ConversationFn, ConversationRun, type RunOutcome } from './run.js';

/**
 * How a conversation ended: it returned, it threw, a wait's `timeout` expired and the function did
 * not catch the {@link ConversationTimeoutError}, or it was left with `exit()`.
 */
export type ConversationOutcome =
  | { readonly status: 'done'; readonly result: unknown }
  | { readonly status: 'failed'; readonly error: Error }
  | { readonly status: 'timeout'; readonly error: ConversationTimeoutError }
  | { readonly status: 'exited' };

/** What `ctx.conversations.enter` resolves with once the first run paused or ended. */
export interface ConversationEntered {
  /** The run's id. */
  readonly id: string;
  /** The conversation's name. */
  readonly name: string;
  /** Whether it already ended in its first run (it never waited). */
  readonly ended: boolean;
  /**
   * Settles with the outcome when the conversation ends **in this process** (any later update this
   * process handles). When another worker handles the last update, it never settles here: use
   * `onEnd`, which runs wherever the end happens. (The newest 10 000 are kept; older never settle.)
   * Never await it in the handler that called `enter()`: the end comes with a later update of the
   * same user and chat, which waits for that handler to finish (the chat would hang); attach to it
   * with `.then` instead.
   */
  readonly done: Promise<ConversationOutcome>;
}

/** `ctx.conversations`: enter, leave and inspect the update's conversation. */
export interface ConversationControl {
  /** The name of the conversation the user is in (in this chat), or undefined. */
  readonly active: string | undefined;
  /**
   * Starts conversation `name` with `args` (JSON): runs it now up to its first wait, and stores
   * it. Throws `ConversationError` (`already_active`) when one is running: `exit()` it first.
   */
  enter(name: string, args?: unknown): Promise<ConversationEntered>;
  /** Ends the running conversation (its `onEnd` hooks get `exited`); false when there was none. */
  exit(): Promise<boolean>;
}

/**
 * What `conversations()` adds to a context: intersect it into your context type. (`ctx.conversation`
 * is taken by the context's view of the chat, hence the plural.)
 */
export interface ConversationsFlavor {
  /** This update's conversation control. */
  conversations: ConversationControl;
}

/** Runs when a conversation ends, with the context of the update that ended it. */
export type ConversationEndHook<C> = (ctx: C, outcome: ConversationOutcome) => unknown;

/** Options of {@link conversations}. */
export interface ConversationsOptions<C extends BaseContext = BaseContext> extends StateStoreOptions<C> {
  /** Put after the community in the stored key. @default 'conversation' */
  prefix?: string | undefined;
}

/** Most `done` promises of this process kept waiting for their conversation's end. */
const MAX_WAITING = 10_000;

interface Held {
  record: StoredConversation | undefined;
  /** The stored version; undefined when it must be read again (after this update wrote it). */
  version: number | undefined;
}

interface Definition<C extends BaseContext, X extends BaseContext> {
  fn: ConversationFn<C, X>;
  onEnd: Array<ConversationEndHook<C>>;
}

/**
 * Durable conversations: a flow written as one async function, kept in storage as a log of what it
 * consumed, and replayed from the start on each update of its user in its chat (grammY's design), so
 * it survives restarts and continues on any worker sharing the storage. See the README's
 * "Conversations" for the rules (what must be deterministic).
 *
 * `bot.use(flows)` after `session()` (so `conv.external` sees the session): an update of a user in
 * a conversation is taken by the conversation's pending wait; one the wait refuses passes on to
 * the rest of the bot (or gets the wait's `otherwise`).
 *
 * @example
 * const flows = conversations({ storage }).define('register', async (conv) => {
 *   await conv.reply('Your name?');
 *   const name = (await conv.waitFor('message')).text;
 *   await conv.reply('Your age?');
 *   const age = Number((await conv.waitFor((ctx) => /^\d+$/.test(ctx.text ?? ''), { otherwise: 'A number, please.' })).text);
 *   await conv.reply(`Registered: ${name}, ${age}`);
 *   return { name, age };
 * });
 * bot.use(flows);
 * bot.command('register', (ctx) => ctx.conversations.enter('register'));
 */
export class Conversations<C extends BaseContext = BaseContext, X extends BaseContext = Context>
  implements MiddlewareObj<C & ConversationsFlavor>
{
  private readonly storage: KeyValueStore;
  private readonly keyOf: StateKeyFn<C>;
  private readonly lock: KeyLock;
  private readonly prefix: string;
  private readonly definitions = new Map<string, Definition<C, X>>();
  private readonly waiting = new Map<string, (outcome: ConversationOutcome) => void>();
  private readonly fn: MiddlewareFn<C & ConversationsFlavor>;

  constructor(private readonly options: ConversationsOptions<C> = {}) {
    if (options.ttlMs !== undefined && !(options.ttlMs > 0))
      throw new VkwireConfigError('conversations', 'ttlMs', 'a positive number of milliseconds', {
        got: options.ttlMs,
      });
    this.storage = options.storage ?? new MemoryKeyValueStore();
    this.keyOf = keyFunction<C>(options.strategy, options.getKey);
    this.prefix = options.prefix ?? 'conversation';
    this.lock = new KeyLock({ lease: options.lease, leaseMs: options.leaseMs, waitMs: options.leaseWaitMs });
    this.fn = (ctx, next) => this.run(ctx, next);
  }

  /** Defines conversation `name` (the same name and code on every worker). */
  define(name: string, fn: ConversationFn<C, X>): this {
    if (typeof name !== 'string' || name.length === 0)
      throw new VkwireConfigError('conversations', 'name', 'a non-empty string', { got: name });
    if (typeof fn !== 'function')
      throw new VkwireConfigError('conversations', `define("${name}")`, 'an async function (conv, ctx)', {
        got: fn,
      });
    if (this.definitions.has(name))
      throw new VkwireConfigError('conversations', 'name', 'a name not defined yet', { got: name });
    this.definitions.set(name, { fn, onEnd: [] });
    return this;
  }

  /**
   * Runs `hook` when conversation `name` ends (returned, threw, or was exited), in whichever worker
   * handles that update: the way to act on its result across processes.
   */
  onEnd(name: string, hook: ConversationEndHook<C>): this {
    const definition = this.definitions.get(name);
    if (definition === undefined)
      throw new VkwireConfigError('conversations', 'onEnd', 'the name of a defined conversation', {
        got: name,
      });
    definition.onEnd.push(hook);
    return this;
  }

  /** The middleware that gives each update `ctx.conversations` and feeds running conversations. */
  middleware(): MiddlewareFn<C & ConversationsFlavor> {
    return this.fn;
  }

  private async run(ctx: C & ConversationsFlavor, next: () => Promise<void>): Promise<void> {
    const base = this.keyOf(ctx);
    if (base === undefined) {
      const refuse = (): never => {
        throw new ConversationError(
          'no_state_key',
          `a ${ctx.update.type} update has no ${this.options.strategy ?? 'user_in_chat'} to keep a conversation for`,
        );
      };
      Object.defineProperty(ctx, 'conversations', {
        configurable: true,
        value: { active: undefined, enter: async () => refuse(), exit: async () => false },
      });
      return next();
    }
    const key = featureKey(base, this.prefix);
    await this.lock.run(key, () => this.handle(ctx, key, next), ctx.signal);
  }

  private async handle(ctx: C & ConversationsFlavor, key: string, next: () => Promise<void>): Promise<void> {
    const entry = await this.storage.get(key);
    const held: Held = {
      record: isStoredConversation(entry?.value) ? entry.value : undefined,
      version: entry?.version ?? 0,
    };
    Object.defineProperty(ctx, 'conversations', {
      configurable: true,
      enumerable: true,
      value: this.control(ctx, key, held),
    });
    const record = held.record;
    // The bot's own message echoed back (same key under strategy 'chat') is no answer to a wait.
    if (record === undefined || isOwnMessage(ctx)) return next();
    const definition = this.definitions.get(record.name);
    if (definition === undefined) {
      await this.remove(key, held);
      throw new ConversationError(
        'unknown_conversation',
        `a stored conversation "${record.name}" is not defined in this bot (define it on every worker); it was dropped`,
        record.name,
      );
    }
    const run = new ConversationRun<C, X>(record, ctx, ctx.update);
    const outcome = await run.execute(definition.fn);
    if (outcome.kind === 'waiting' && !run.consumed) {
      const otherwise = run.refusedBy?.otherwise;
      if (otherwise === undefined) return next();
      if (typeof otherwise === 'string') await ctx.reply(otherwise);
      else await otherwise(ctx as unknown as X);
      return;
    }
    await this.settle(ctx, key, held, run, outcome);
  }

  private control(ctx: C, key: string, held: Held): ConversationControl {
    return {
      get active() {
        return held.record?.name;
      },
      enter: async (name, args) => {
        const definition = this.definitions.get(name);
        if (definition === undefined)
          throw new ConversationError(
            'unknown_conversation',
            `no conversation "${name}" is defined (conversations().define("${name}", fn))`,
            name,
          );
        if (held.record !== undefined)
          throw new ConversationError(
            'already_active',
            `conversation "${held.record.name}" is running for this user here: exit() it before entering "${name}"`,
            held.record.name,
          );
        const record: StoredConversation = {
          v: 1,
          id: randomUUID(),
          name,
          ...(args === undefined ? {} : { args: JSON.parse(JSON.stringify(args)) as unknown }),
          enter: ctx.update,
          log: [],
        };
        const run = new ConversationRun<C, X>(record, ctx, undefined);
        const outcome = await run.execute(definition.fn);
        const ended = outcome.kind !== 'waiting';
        const done = ended
          ? undefined
          : new Promise<ConversationOutcome>((resolve) => {
              this.waiting.set(record.id, resolve);
              // Ends that happen on other workers never settle here: keep the newest ones only.
              if (this.waiting.size > MAX_WAITING)
                this.waiting.delete(this.waiting.keys().next().value as string);
            });
        held.record = record;
        const final = await this.settle(ctx, key, held, run, outcome);
        return { id: record.id, name, ended, done: done ?? Promise.resolve(final as ConversationOutcome) };
      },
      exit: async () => {
        const record = held.record;
        if (record === undefined) return false;
        await this.remove(key, held);
        await this.ended(ctx, record, { status: 'exited' });
        return true;
      },
    };
  }

  /** Stores a waiting run, or clears an ended one and reports its end; rethrows a failure. */
  private async settle(
    ctx: C,
    key: string,
    held: Held,
    run: ConversationRun<C, X>,
    outcome: RunOutcome,
  ): Promise<ConversationOutcome | undefined> {
    const record = held.record as StoredConversation;
    if (outcome.kind === 'waiting') {
      const { wait: _previous, ...rest } = record;
      const next: StoredConversation = {
        ...rest,
        log: run.log,
        ...(run.pending === undefined ? {} : { wait: run.pending }),
      };
      const version = held.version ?? (await this.storage.get(key))?.version ?? 0;
      const written = await this.storage.set(key, next, {
        ifVersion: version,
        ...(this.options.ttlMs === undefined ? {} : { ttlMs: this.options.ttlMs }),
      });
      if (!written) throw this.conflict(key, record.name);
      held.record = next;
      held.version = undefined;
      return undefined;
    }
    await this.remove(key, held);
    const ending: ConversationOutcome =
      outcome.kind === 'done'
        ? { status: 'done', result: outcome.result }
        : outcome.error instanceof ConversationTimeoutError
          ? { status: 'timeout', error: outcome.error }
          : { status: 'failed', error: outcome.error };
    await this.ended(ctx, record, ending);
    // An expiry the function did not catch is an end of the conversation, not a fault of the bot.
    if (ending.status === 'failed') throw ending.error;
    return ending;
  }

  /** Runs the end hooks and settles this process's `done`; a failing hook's error goes on (after the others ran). */
  private async ended(ctx: C, record: StoredConversation, outcome: ConversationOutcome): Promise<void> {
    const resolve = this.waiting.get(record.id);
    this.waiting.delete(record.id);
    resolve?.(outcome);
    let failure: unknown;
    for (const hook of this.definitions.get(record.name)?.onEnd ?? []) {
      try {
        await hook(ctx, outcome);
      } catch (error) {
        failure ??= error;
      }
    }
    // A step's own error wins: it is rethrown by settle().
    if (failure !== undefined && outcome.status !== 'failed') throw failure;
  }

  /** Deletes the stored conversation, checking that no one else wrote it since it was read. */
  private async remove(key: string, held: Held): Promise<void> {
    const version = held.version;
    held.record = undefined;
    held.version = 0;
    if (version === 0) return;
    const now = await this.storage.get(key);
    if (now === undefined) return;
    if (version !== undefined && now.version !== version) throw this.conflict(key, undefined);
    await this.storage.delete(key);
  }

  private conflict(key: string, name: string | undefined): ConversationError {
    return new ConversationError(
      'conflict',
      `conversation state "${key}" was written by another update meanwhile (give conversations() a shared \`lease\` when several workers serve one community)`,
      name,
    );
  }
}

/**
 * Declares durable conversations (see {@link Conversations}); `define` each, then `bot.use()` them.
 *
 * @example
 * const flows = conversations<MyContext>({ storage: new RedisStorage({ redis }) });
 */
export function conversations<C extends BaseContext = BaseContext, X extends BaseContext = Context>(
  options: ConversationsOptions<C> = {},
): Conversations<C, X> {
  return new Conversations<C, X>(options);
}
