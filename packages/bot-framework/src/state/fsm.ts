import { type KeyValueStore, MemoryKeyValueStore, VkwireConfigError } from '@vkwire/core';
import { leaf } from '../composer.js';
import type { BaseContext } from '../context.js';
import type { Handler, MiddlewareFn, MiddlewareObj } from '../middleware.js';
import { SessionConflictError, StateError } from './errors.js';
import { KeyLock } from './key-lock.js';
import type { StateStoreOptions } from './keys.js';
import { featureKey, keyFunction, type StateKeyFn } from './keys.js';

/**
 * What an FSM state's data is: a zod schema (checked on every `set`/`update`), or
 * {@link stateData} for a type alone. Anything with `parse(data) → T` works.
 */
export interface StateSpec<T> {
  /** Checks data before it is stored; throws when it is wrong. */
  parse(data: unknown): T;
}

/**
 * Declares an FSM state's data type without a schema (nothing is checked at run time).
 *
 * @example
 * fsm({ states: { ask_name: stateData(), ask_age: stateData<{ name: string }>() } });
 */
export function stateData<T = undefined>(): StateSpec<T> {
  return { parse: (data) => data as T };
}

/** The states of an FSM: name → what its data is. */
export type FsmStates = Record<string, StateSpec<unknown>>;

/** The name of a state of `M`. */
export type FsmStateName<M extends FsmStates> = keyof M & string;

/** The data of state `K` of `M`. */
export type FsmStateData<M extends FsmStates, K extends FsmStateName<M>> =
  M[K] extends StateSpec<infer T> ? T : never;

/** Where a user is in the FSM: the state and its data, a union over the states (check `state` to narrow `data`). */
export type FsmEntry<M extends FsmStates, K extends FsmStateName<M> = FsmStateName<M>> = {
  [P in K]: { readonly state: P; readonly data: FsmStateData<M, P> };
}[K];

/** The data argument of `set`: optional for states whose data may be undefined. */
export type FsmDataArgs<M extends FsmStates, K extends FsmStateName<M>> =
  undefined extends FsmStateData<M, K> ? [data?: FsmStateData<M, K>] : [data: FsmStateData<M, K>];

/** `ctx.fsm`: the update's FSM state, read before the handlers and written after them. */
export interface FsmControl<M extends FsmStates> {
  /** The current state and its data; undefined when there is none. */
  get(): FsmEntry<M> | undefined;
  /** The same as `get()`. */
  readonly current: FsmEntry<M> | undefined;
  /** The current state's name. */
  readonly state: FsmStateName<M> | undefined;
  /**
   * Moves to `state` with its data (checked by the state's schema). When the state changes, the
   * old state's leave hooks and the new one's enter hooks run now, in that order. With declared
   * transitions, a move they do not allow throws `StateError` (`bad_transition`).
   */
  set<K extends FsmStateName<M>>(state: K, ...data: FsmDataArgs<M, K>): Promise<void>;
  /** Merges `partial` into the current state's data; throws `StateError` (`no_fsm_state`) without a state. */
  update(partial: Partial<FsmStateData<M, FsmStateName<M>>>): Promise<void>;
  /** Leaves the FSM (the current state's leave hooks run). */
  clear(): Promise<void>;
}

/**
 * What `fsm()` adds to a context: intersect it into your context type.
 *
 * @example
 * type MyContext = Context & FsmFlavor<typeof registration.states>;
 */
export interface FsmFlavor<M extends FsmStates> {
  /** This update's FSM state. Throws `StateError` (`no_state_key`) on updates without a user or chat. */
  fsm: FsmControl<M>;
}

/** A context known to be in state `K` (what `inState(K)` narrows to). */
export interface InState<M extends FsmStates, K extends FsmStateName<M>> {
  /** The FSM, with the current state known. */
  fsm: FsmControl<M> & { readonly current: FsmEntry<M, K>; readonly state: K };
}

/** An enter or leave hook: the context, and the data of the state entered or left. */
export type FsmHook<M extends FsmStates, K extends FsmStateName<M>> = (
  ctx: BaseContext & FsmFlavor<M>,
  data: FsmStateData<M, K>,
) => unknown;

/** Options of {@link fsm}. */
export interface FsmOptions<M extends FsmStates, C extends BaseContext = BaseContext>
  extends StateStoreOptions<C> {
  /** The states and their data: a zod schema or `stateData<T>()` each. */
  states: M;
  /**
   * The moves allowed out of each state; when given, `set` refuses any other move, and
   * `describe()` draws them. A state without an entry may be left for any state.
   */
  transitions?: { readonly [K in FsmStateName<M>]?: ReadonlyArray<FsmStateName<M>> };
  /** The states a user may enter from none (checked only when given; `describe()` draws them). */
  initial?: ReadonlyArray<FsmStateName<M>>;
  /** Put before the key in storage. @default 'fsm' */
  prefix?: string | undefined;
  /**
   * A command that leaves the FSM from any state (before the state handlers run), and an optional
   * reply. Without a state the command passes on to the rest of the tree.
   */
  cancel?: { command: string; reply?: string } | undefined;
}

interface Stored {
  state: string;
  data?: unknown;
}

/**
 * A finite-state machine over a key-value store (aiogram's FSM): states declared once with their
 * data, `ctx.fsm.set/get/update/clear`, handlers bound to states with `inState`, enter/leave hooks,
 * a TTL, a cancel command, and `describe()` for a Mermaid diagram.
 *
 * `bot.use(flow)` reads the state before the handlers and writes it after them when it changed
 * (compare-and-set on its version; a throwing handler writes nothing). Updates of one key run one
 * at a time (and across workers with `lease`).
 *
 * @example
 * const registration = fsm({
 *   states: { ask_name: stateData(), ask_age: stateData<{ name: string }>() },
 *   transitions: { ask_name: ['ask_age'] },
 *   cancel: { command: 'cancel', reply: 'Cancelled.' },
 * });
 * bot.use(registration);
 * bot.command('register', async (ctx) => { await ctx.fsm.set('ask_name'); return 'Your name?'; });
 * bot.filter(registration.inState('ask_name'), async (ctx) => {
 *   await ctx.fsm.set('ask_age', { name: ctx.text ?? '' });
 *   return 'Your age?';
 * });
 */
export class Fsm<M extends FsmStates, C extends BaseContext = BaseContext>
  implements MiddlewareObj<BaseContext & FsmFlavor<M>>
{
  /** The declared states (for `FsmFlavor<typeof flow.states>`). */
  readonly states: M;
  private readonly storage: KeyValueStore;
  private readonly keyOf: StateKeyFn<C>;
  private readonly lock: KeyLock;
  private readonly enter = new Map<string, Array<FsmHook<M, FsmStateName<M>>>>();
  private readonly leave = new Map<string, Array<FsmHook<M, FsmStateName<M>>>>();
  private readonly fn: MiddlewareFn<BaseContext & FsmFlavor<M>>;

  constructor(private readonly options: FsmOptions<M, C>) {
    if (
      typeof options?.states !== 'object' ||
      options.states === null ||
      Object.keys(options.states).length === 0
    )
      throw new VkwireConfigError('fsm', 'states', 'an object of states (name → schema or stateData())', {
        got: options?.states,
      });
    for (const [name, spec] of Object.entries(options.states))
      if (typeof spec?.parse !== 'function')
        throw new VkwireConfigError('fsm', `states.${name}`, 'a schema with parse() or stateData()', {
          got: spec,
        });
    for (const [from, to] of Object.entries(options.transitions ?? {}))
      for (const name of [from, ...((to as readonly string[] | undefined) ?? [])])
        if (!(name in options.states))
          throw new VkwireConfigError('fsm', 'transitions', 'names of declared states', { got: name });
    if (options.ttlMs !== undefined && !(options.ttlMs > 0))
      throw new VkwireConfigError('fsm', 'ttlMs', 'a positive number of milliseconds', {
        got: options.ttlMs,
      });
    this.states = options.states;
    this.storage = options.storage ?? new MemoryKeyValueStore();
    this.keyOf = keyFunction<C>(options.strategy, options.getKey);
    this.lock = new KeyLock({ lease: options.lease, leaseMs: options.leaseMs, waitMs: options.leaseWaitMs });
    this.fn = (ctx, next) => this.run(ctx, next);
  }

  /** The middleware that gives each update `ctx.fsm` (what `bot.use(flow)` adds). */
  middleware(): MiddlewareFn<BaseContext & FsmFlavor<M>> {
    return this.fn;
  }

  /**
   * A filter for updates in `state` (for `bot.filter`): narrows `ctx.fsm.current` to that state.
   *
   * @example
   * bot.filter(flow.inState('ask_age'), (ctx) => `${ctx.fsm.current.data.name}, how old are you?`);
   */
  inState<K extends FsmStateName<M>>(
    ...states: K[]
  ): <X extends BaseContext & FsmFlavor<M>>(ctx: X) => ctx is X & InState<M, K> {
    return <X extends BaseContext & FsmFlavor<M>>(ctx: X): ctx is X & InState<M, K> => {
      const state = ctx.fsm.state;
      return state !== undefined && (states as string[]).includes(state);
    };
  }

  /**
   * Handlers for updates in `state` (one of `states`), as a middleware for `bot.use`: like `on`'s
   * handlers, they end the route (call `next()` to go on) and a returned string is the reply.
   * Updates in other states pass on.
   *
   * @example
   * bot.use(flow.state('ask_name', async (ctx) => {
   *   await ctx.fsm.set('ask_age', { name: ctx.text ?? '' });
   *   return 'How old are you?';
   * }));
   */
  state<K extends FsmStateName<M>, X extends BaseContext & FsmFlavor<M> = BaseContext & FsmFlavor<M>>(
    state: K | readonly K[],
    ...handlers: Array<Handler<X & InState<M, K>>>
  ): MiddlewareFn<X> {
    const wanted: readonly string[] = typeof state === 'string' ? [state] : state;
    for (const name of wanted)
      if (!(name in this.states))
        throw new VkwireConfigError('fsm', 'state', 'the name of a declared state', { got: name });
    const route = leaf(handlers);
    return (ctx, next) => {
      const current = ctx.fsm.state;
      return current !== undefined && wanted.includes(current)
        ? route(ctx as X & InState<M, K>, next)
        : next();
    };
  }

  /** Runs `hook` whenever a user enters `state` (during `ctx.fsm.set`). */
  onEnter<K extends FsmStateName<M>>(state: K, hook: FsmHook<M, K>): this {
    return this.hook(this.enter, state, hook);
  }

  /** Runs `hook` whenever a user leaves `state` (a `set` to another state, `clear`, the cancel command). */
  onLeave<K extends FsmStateName<M>>(state: K, hook: FsmHook<M, K>): this {
    return this.hook(this.leave, state, hook);
  }

  private hook<K extends FsmStateName<M>>(
    map: Map<string, Array<FsmHook<M, FsmStateName<M>>>>,
    state: K,
    hook: FsmHook<M, K>,
  ): this {
    if (!(state in this.states))
      throw new VkwireConfigError('fsm', 'state', 'the name of a declared state', { got: state });
    const list = map.get(state) ?? [];
    list.push(hook as FsmHook<M, FsmStateName<M>>);
    map.set(state, list);
    return this;
  }

  /**
   * The declared transitions as Mermaid `stateDiagram-v2` text: `[*] -->` the initial states (given,
   * or those no transition leads to), `--> [*]` from states with no way out. Without declared
   * transitions, the states alone.
   *
   * @example
   * console.log(flow.describe()); // paste into a ```mermaid block
   */
  describe(): string {
    const names = Object.keys(this.states);
    const transitions = (this.options.transitions ?? {}) as Record<string, readonly string[] | undefined>;
    const lines = ['stateDiagram-v2'];
    if (Object.keys(transitions).length === 0) {
      for (const name of names) lines.push(`    ${name}`);
      return `${lines.join('\n')}\n`;
    }
    const targets = new Set(Object.values(transitions).flatMap((to) => to ?? []));
    const initial = this.options.initial ?? names.filter((name) => !targets.has(name));
    for (const name of initial) lines.push(`    [*] --> ${name}`);
    for (const name of names) for (const to of transitions[name] ?? []) lines.push(`    ${name} --> ${to}`);
    for (const name of names) if ((transitions[name] ?? []).length === 0) lines.push(`    ${name} --> [*]`);
    return `${lines.join('\n')}\n`;
  }

  private async run(ctx: BaseContext & FsmFlavor<M>, next: () => Promise<void>): Promise<void> {
    const base = this.keyOf(ctx as unknown as C);
    if (base === undefined) {
      Object.defineProperty(ctx, 'fsm', {
        configurable: true,
        get: () => {
          throw new StateError(
            'no_state_key',
            `a ${ctx.update.type} update has no ${this.options.strategy ?? 'user_in_chat'} to keep an FSM state for`,
          );
        },
      });
      return next();
    }
    const key = featureKey(base, this.options.prefix ?? 'fsm');
    await this.lock.run(key, () => this.handle(ctx, key, next), ctx.signal);
  }

  private async handle(
    ctx: BaseContext & FsmFlavor<M>,
    key: string,
    next: () => Promise<void>,
  ): Promise<void> {
    const entry = await this.storage.get(key);
    let value = this.loaded(entry?.value);
    const before = JSON.stringify(value ?? null);
    const control = this.control(
      ctx,
      () => value,
      (next) => {
        value = next;
      },
    );
    Object.defineProperty(ctx, 'fsm', { configurable: true, enumerable: true, value: control });
    const cancel = this.options.cancel;
    if (
      cancel !== undefined &&
      value !== undefined &&
      ctx.commandCall?.head === cancel.command.toLowerCase()
    ) {
      await control.clear();
      if (cancel.reply !== undefined) await ctx.reply(cancel.reply);
    } else await next();
    const after = JSON.stringify(value ?? null);
    if (after === before) return;
    if (value === undefined) {
      if (entry === undefined) return;
      // The contract's delete takes no version: compare right before it.
      const now = await this.storage.get(key);
      if (now?.version !== entry.version) throw new SessionConflictError(key);
      await this.storage.delete(key);
      return;
    }
    const written = await this.storage.set(key, value, {
      ifVersion: entry?.version ?? 0,
      ...(this.options.ttlMs === undefined ? {} : { ttlMs: this.options.ttlMs }),
    });
    if (!written) throw new SessionConflictError(key);
  }

  /** A stored value as a state of this FSM; a state no longer declared reads as none. */
  private loaded(raw: unknown): Stored | undefined {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const state = (raw as { state?: unknown }).state;
    if (typeof state !== 'string' || !(state in this.states)) return undefined;
    return raw as Stored;
  }

  private control(
    ctx: BaseContext & FsmFlavor<M>,
    read: () => Stored | undefined,
    write: (value: Stored | undefined) => void,
  ): FsmControl<M> {
    const fsm = this;
    const runHooks = async (map: typeof this.enter, state: string, data: unknown): Promise<void> => {
      for (const hook of map.get(state) ?? []) await hook(ctx, data as FsmStateData<M, FsmStateName<M>>);
    };
    return {
      get: () => read() as FsmEntry<M> | undefined,
      get current() {
        return read() as FsmEntry<M> | undefined;
      },
      get state() {
        return read()?.state as FsmStateName<M> | undefined;
      },
      async set(state, ...args) {
        const spec = fsm.states[state];
        if (spec === undefined)
          throw new StateError('bad_transition', `"${String(state)}" is not a state of this FSM`);
        const from = read();
        fsm.checkMove(from?.state, state);
        const data = spec.parse(args[0]);
        write(data === undefined ? { state } : { state, data });
        if (from?.state !== state) {
          if (from !== undefined) await runHooks(fsm.leave, from.state, from.data);
          await runHooks(fsm.enter, state, data);
        }
      },
      async update(partial) {
        const from = read();
        if (from === undefined)
          throw new StateError('no_fsm_state', 'ctx.fsm.update() needs a current state: set() one first');
        const merged =
          typeof from.data === 'object' && from.data !== null ? { ...from.data, ...partial } : { ...partial };
        write({ state: from.state, data: (fsm.states[from.state] as StateSpec<unknown>).parse(merged) });
      },
      async clear() {
        const from = read();
        write(undefined);
        if (from !== undefined) await runHooks(fsm.leave, from.state, from.data);
      },
    };
  }

  private checkMove(from: string | undefined, to: string): void {
    const transitions = this.options.transitions as Record<string, readonly string[] | undefined> | undefined;
    if (from === undefined) {
      const initial = this.options.initial as readonly string[] | undefined;
      if (initial !== undefined && !initial.includes(to))
        throw new StateError(
          'bad_transition',
          `"${to}" cannot be entered first (initial: ${initial.join(', ')})`,
        );
      return;
    }
    const allowed = transitions?.[from];
    if (allowed !== undefined && from !== to && !allowed.includes(to))
      throw new StateError(
        'bad_transition',
        `no transition from "${from}" to "${to}" is declared (from "${from}": ${allowed.join(', ') || 'none'})`,
      );
  }
}

/**
 * Declares an FSM (see {@link Fsm}); `bot.use()` it, then bind handlers with `inState`.
 *
 * @example
 * const flow = fsm({ states: { ask_name: stateData(), ask_age: stateData<{ name: string }>() } });
 */
export function fsm<M extends FsmStates, C extends BaseContext = BaseContext>(
  options: FsmOptions<M, C>,
): Fsm<M, C> {
  return new Fsm(options);
}
