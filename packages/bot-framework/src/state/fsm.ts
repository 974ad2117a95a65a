import { type KeyValueStore, MemoryKeyValueStore, VkwireConfigError } from '@vkwire/core';
import { leaf } from '../composer.js';
import type { BaseContext } from '../context.js';
import type { Handler, MiddlewareFn, MiddlewareObj } from '../middleware.js';
import { type StateGroup, type StateMember, stateGroup, withState } from './batch.js';
import { StateError } from './errors.js';
import type { StateStoreOptions } from './keys.js';
import { featureKey, isOwnMessage, keyFunction, type StateKeyFn } from './keys.js';

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
  private readonly keyOf: StateKeyFn<C>;
  private readonly group: StateGroup;
  private readonly member: StateMember;
  private readonly prefix: string;
  private readonly rules: FsmRules;
  private readonly missing: PropertyDescriptor;
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
    const storage: KeyValueStore = options.storage ?? new MemoryKeyValueStore();
    this.keyOf = keyFunction<C>(options.strategy, options.getKey);
    this.prefix = options.prefix ?? 'fsm';
    this.group = stateGroup(storage, options.lease, options.leaseMs, options.leaseWaitMs);
    this.member = this.group.join(this.keyOf as unknown as StateKeyFn<BaseContext>, this.prefix);
    this.rules = {
      states: options.states,
      transitions: options.transitions as Record<string, readonly string[] | undefined> | undefined,
      initial: options.initial as readonly string[] | undefined,
      enter: new Map(),
      leave: new Map(),
    };
    const strategy = options.strategy ?? 'user_in_chat';
    // One descriptor for every update without a key: contexts keep one shape.
    this.missing = {
      configurable: true,
      get(this: BaseContext) {
        throw new StateError(
          'no_state_key',
          `a ${this.update.type} update has no ${strategy} to keep an FSM state for`,
        );
      },
    };
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
      return state !== undefined && (states as string[]).includes(state) && !isOwnMessage(ctx);
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
      // The bot's own message echoed back (same key under strategy 'chat') is no answer.
      return current !== undefined && wanted.includes(current) && !isOwnMessage(ctx)
        ? route(ctx as X & InState<M, K>, next)
        : next();
    };
  }

  /** Runs `hook` whenever a user enters `state` (during `ctx.fsm.set`). */
  onEnter<K extends FsmStateName<M>>(state: K, hook: FsmHook<M, K>): this {
    return this.hook(this.rules.enter, state, hook);
  }

  /** Runs `hook` whenever a user leaves `state` (a `set` to another state, `clear`, the cancel command). */
  onLeave<K extends FsmStateName<M>>(state: K, hook: FsmHook<M, K>): this {
    return this.hook(this.rules.leave, state, hook);
  }

  private hook<K extends FsmStateName<M>>(map: Map<string, AnyHook[]>, state: K, hook: FsmHook<M, K>): this {
    if (!(state in this.states))
      throw new VkwireConfigError('fsm', 'state', 'the name of a declared state', { got: state });
    const list = map.get(state) ?? [];
    list.push(hook as AnyHook);
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

  private run(ctx: BaseContext & FsmFlavor<M>, next: () => Promise<void>): Promise<void> {
    const base = this.keyOf(ctx as unknown as C);
    if (base === undefined) {
      Object.defineProperty(ctx, 'fsm', this.missing);
      return next();
    }
    const key = featureKey(base, this.prefix);
    return withState(ctx, this.group, this.member, base, key, async (stored) => {
      const control = new UpdateFsm(
        this.rules,
        ctx,
        stored === undefined ? undefined : this.loaded(stored.json),
      );
      Object.defineProperty(ctx, 'fsm', { configurable: true, enumerable: true, value: control });
      const cancel = this.options.cancel;
      if (
        cancel !== undefined &&
        control.value !== undefined &&
        ctx.commandCall?.head === cancel.command.toLowerCase()
      ) {
        await control.clear();
        if (cancel.reply !== undefined) await ctx.reply(cancel.reply);
      } else await next();
      if (!control.changed) return undefined;
      const value = control.value;
      if (value === undefined)
        return stored === undefined ? undefined : { key, json: undefined, ifVersion: stored.version };
      const json = JSON.stringify(value);
      // Set back to what was stored: nothing to write (the TTL counts from the last change).
      if (json === stored?.json) return undefined;
      return { key, json, ifVersion: stored?.version ?? 0, ttlMs: this.options.ttlMs };
    });
  }

  /** A stored value as a state of this FSM; a state no longer declared reads as none. */
  private loaded(json: string): Stored | undefined {
    const raw: unknown = JSON.parse(json);
    if (typeof raw !== 'object' || raw === null) return undefined;
    const state = (raw as { state?: unknown }).state;
    if (typeof state !== 'string' || !(state in this.states)) return undefined;
    return raw as Stored;
  }
}

type AnyHook = (ctx: BaseContext & FsmFlavor<FsmStates>, data: unknown) => unknown;

/** What a control needs of its FSM: the states, the allowed moves and the hooks. */
interface FsmRules {
  readonly states: FsmStates;
  readonly transitions: Record<string, readonly string[] | undefined> | undefined;
  readonly initial: readonly string[] | undefined;
  readonly enter: Map<string, AnyHook[]>;
  readonly leave: Map<string, AnyHook[]>;
}

/**
 * `ctx.fsm` of one update: the state read before the handlers, changed by `set`/`update`/`clear`
 * (which raise `changed`), written after the handlers when `changed`. One small object per update,
 * its methods shared on the class.
 */
class UpdateFsm implements FsmControl<FsmStates> {
  /** Whether `set`, `update` or `clear` was called. */
  changed = false;

  constructor(
    private readonly rules: FsmRules,
    private readonly ctx: BaseContext,
    /** The current state and data; undefined when none. */
    public value: Stored | undefined,
  ) {}

  get(): FsmEntry<FsmStates> | undefined {
    return this.value as FsmEntry<FsmStates> | undefined;
  }

  get current(): FsmEntry<FsmStates> | undefined {
    return this.value as FsmEntry<FsmStates> | undefined;
  }

  get state(): string | undefined {
    return this.value?.state;
  }

  async set(state: string, ...args: unknown[]): Promise<void> {
    const spec = this.rules.states[state];
    if (spec === undefined)
      throw new StateError('bad_transition', `"${String(state)}" is not a state of this FSM`);
    const from = this.value;
    checkMove(this.rules, from?.state, state);
    const data = spec.parse(args[0]);
    this.value = data === undefined ? { state } : { state, data };
    this.changed = true;
    if (from?.state !== state) {
      // Most states have no hooks: no promise to make for them.
      if (from !== undefined && this.rules.leave.has(from.state))
        await this.hooks(this.rules.leave, from.state, from.data);
      if (this.rules.enter.has(state)) await this.hooks(this.rules.enter, state, data);
    }
  }

  async update(partial: object): Promise<void> {
    const from = this.value;
    if (from === undefined)
      throw new StateError('no_fsm_state', 'ctx.fsm.update() needs a current state: set() one first');
    const merged =
      typeof from.data === 'object' && from.data !== null ? { ...from.data, ...partial } : { ...partial };
    this.value = {
      state: from.state,
      data: (this.rules.states[from.state] as StateSpec<unknown>).parse(merged),
    };
    this.changed = true;
  }

  async clear(): Promise<void> {
    const from = this.value;
    this.value = undefined;
    this.changed = true;
    if (from !== undefined) await this.hooks(this.rules.leave, from.state, from.data);
  }

  private async hooks(map: Map<string, AnyHook[]>, state: string, data: unknown): Promise<void> {
    const list = map.get(state);
    if (list === undefined) return;
    for (const hook of list) await hook(this.ctx as BaseContext & FsmFlavor<FsmStates>, data);
  }
}

function checkMove(rules: FsmRules, from: string | undefined, to: string): void {
  if (from === undefined) {
    const initial = rules.initial;
    if (initial !== undefined && !initial.includes(to))
      throw new StateError(
        'bad_transition',
        `"${to}" cannot be entered first (initial: ${initial.join(', ')})`,
      );
    return;
  }
  const allowed = rules.transitions?.[from];
  if (allowed !== undefined && from !== to && !allowed.includes(to))
    throw new StateError(
      'bad_transition',
      `no transition from "${from}" to "${to}" is declared (from "${from}": ${allowed.join(', ') || 'none'})`,
    );
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
