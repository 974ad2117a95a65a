import { type KeyValueStore, type Lease, VkwireConfigError } from '@vkwire/core';
import type { BaseContext } from '../../context.js';
import type { MiddlewareFn, MiddlewareObj, NextFunction } from '../../middleware.js';
import { StateError } from '../errors.js';
import { Fsm, type FsmControl, type StateSpec, stateData } from '../fsm.js';
import type { StateKeyFn, StateStrategy } from '../keys.js';
import type { SceneLeaveReason, SceneRuntime } from './scene.js';

/** Scene name → the data its steps gather. */
export type SceneDataMap = Record<string, object>;

/** What {@link stage} accepts: any declared scene. */
export interface AnyScene {
  /** The scene's name. */
  readonly name: string;
  /** The scene's data type (types only). */
  readonly dataType: object;
  /** How the stage runs it. */
  readonly runtime: SceneRuntime;
}

/** The data map of a list of scenes. */
export type SceneMapOf<S extends readonly AnyScene[]> = {
  [X in S[number] as X['name']]: X['dataType'];
};

/** Where a user is: the scene, the step and the data so far (a union narrowed by `name`). */
export type SceneEntry<M extends SceneDataMap> = {
  [K in keyof M & string]: { readonly name: K; readonly step: number; readonly data: Partial<M[K]> };
}[keyof M & string];

/**
 * `ctx.scene` outside a step: which scene the user is in, and the moves. The moves are written
 * after the handlers, through the stage's FSM (compare-and-set, one update of a key at a time).
 */
export interface SceneControl<M extends SceneDataMap> {
  /** The current scene, step and data; undefined outside scenes. */
  readonly current: SceneEntry<M> | undefined;
  /** The current scene's name. */
  readonly name: (keyof M & string) | undefined;
  /** The current step's index. */
  readonly step: number | undefined;
  /**
   * Enters scene `name` with optional starting data: its first step is shown (its `onEnter`, then
   * the step's prompt, run now). A scene the user is in is left first (`onLeave` with `'enter'`).
   */
  enter<K extends keyof M & string>(name: K, data?: Partial<M[K]>): Promise<void>;
  /** Leaves the current scene (`onLeave` with `'leave'`); nothing happens outside scenes. */
  leave(): Promise<void>;
  /** The next step (see `ActiveScene.next`); throws `StateError` (`no_fsm_state`) outside scenes. */
  next(partial?: Partial<M[keyof M & string]>): Promise<void>;
  /** The previous step (see `ActiveScene.back`); throws `StateError` (`no_fsm_state`) outside scenes. */
  back(): Promise<void>;
}

/**
 * What a {@link stage} adds to a context: intersect it into your context type.
 *
 * @example
 * const scenes = stage([signup]);
 * type MyContext = Context & SceneFlavor<typeof scenes>;
 */
export interface SceneFlavor<S> {
  /** This update's scene. Throws `StateError` (`no_state_key`) on updates without a user or chat. */
  scene: SceneControl<S extends Stage<infer M> ? M : S extends SceneDataMap ? S : never>;
}

/** Options of {@link stage}. */
export interface StageOptions<C extends BaseContext = BaseContext> {
  /** Where scene state lives (through an FSM); share one `RedisStorage` between workers. @default a MemoryKeyValueStore of its own */
  storage?: KeyValueStore | undefined;
  /** Whose scene it is. @default 'user_in_chat' */
  strategy?: StateStrategy | undefined;
  /** A custom key (wins over `strategy`); start it with the community's id. */
  getKey?: StateKeyFn<C> | undefined;
  /** Put after the community in the stored key. @default 'scene' */
  prefix?: string | undefined;
  /**
   * A stored scene is deleted this long after its last change, to drop abandoned ones. Keep it
   * longer than the scenes' `timeoutMs`: a record deleted before the user writes again cannot tell
   * them it expired. @default never
   */
  ttlMs?: number | undefined;
  /** The update types routed to the current step; others pass on. @default ['message_new', 'message_event'] */
  updates?: readonly string[] | undefined;
  /** A lease shared by the workers, as for sessions. */
  lease?: Lease | undefined;
  /** How long a lease is taken for. @default 30000 */
  leaseMs?: number | undefined;
  /** How long an update waits for a key another worker holds. @default 10000 */
  leaseWaitMs?: number | undefined;
}

/** What the stage's FSM keeps per user in a scene (the FSM state is the scene's name). */
interface StoredScene {
  step: number;
  data: Record<string, unknown>;
  /** When the current step was shown (ms since the epoch): what the timeout counts from. */
  at: number;
}

type SceneFsm = Fsm<Record<string, StateSpec<StoredScene>>>;
type SceneFsmControl = FsmControl<Record<string, StateSpec<StoredScene>>>;

/**
 * Runs scenes: one FSM whose states are the scenes' names and whose data is `{ step, data, at }`,
 * kept in the FSM's storage — so a scene survives a restart and is shared by workers exactly as
 * an FSM state is. `bot.use(scenes)` gives each update `ctx.scene` and routes the updates of a user
 * in a scene (`message_new`, `message_event` by default) to the current step, after the scene's
 * timeout, cancel and back checks; everything else passes on.
 *
 * The timeout is checked lazily against the time the step was shown (no timer runs, so nothing is
 * left behind by `bot.stop()`): the user's next routed update after it leaves the scene, sends the
 * scene's `expired` text, and is not handled further.
 *
 * The stage's FSM does not take `ctx.fsm`: an `fsm()` of your own keeps it.
 *
 * @example
 * const scenes = stage([signup], { storage: new RedisStorage(redis) });
 * type MyContext = Context & SceneFlavor<typeof scenes>;
 * const bot = new Bot<MyContext>({ token });
 * bot.use(scenes);
 * bot.command('signup', (ctx) => ctx.scene.enter('signup'));
 */
export class Stage<M extends SceneDataMap> implements MiddlewareObj<BaseContext & SceneFlavor<M>> {
  /** The FSM the scenes are kept in (its states are the scene names). */
  readonly fsm: SceneFsm;
  private readonly scenes = new Map<string, SceneRuntime>();
  private readonly updates: ReadonlySet<string>;
  private readonly inner: MiddlewareFn<BaseContext>;
  private readonly fn: MiddlewareFn<BaseContext & SceneFlavor<M>>;

  /**
   * @param scenes the scenes it runs (distinct names)
   * @param options storage, key strategy, TTL, lease
   */
  /**
   * Every scene of the stage as one Mermaid `stateDiagram-v2` (each a composite state of its steps;
   * see `Scene#describe`).
   */
  describe(): string {
    return `${['stateDiagram-v2', ...[...this.scenes.values()].flatMap((runtime) => runtime.diagram)].join('\n')}\n`;
  }

  constructor(scenes: readonly AnyScene[], options: StageOptions = {}) {
    if (!Array.isArray(scenes) || scenes.length === 0)
      throw new VkwireConfigError('stage', 'scenes', 'a non-empty array of scene() declarations', {
        got: scenes,
      });
    for (const declared of scenes) {
      if (typeof declared?.runtime !== 'object')
        throw new VkwireConfigError('stage', 'scenes', 'scene() declarations', { got: declared });
      if (this.scenes.has(declared.name))
        throw new VkwireConfigError('stage', 'scenes', 'scenes with distinct names', { got: declared.name });
      this.scenes.set(declared.name, declared.runtime);
    }
    this.updates = new Set(options.updates ?? ['message_new', 'message_event']);
    const states: Record<string, StateSpec<StoredScene>> = {};
    for (const name of this.scenes.keys()) states[name] = stateData<StoredScene>();
    this.fsm = new Fsm({
      states,
      storage: options.storage,
      strategy: options.strategy,
      getKey: options.getKey,
      prefix: options.prefix ?? 'scene',
      ttlMs: options.ttlMs,
      lease: options.lease,
      leaseMs: options.leaseMs,
      leaseWaitMs: options.leaseWaitMs,
    });
    this.inner = this.fsm.middleware() as MiddlewareFn<BaseContext>;
    this.fn = (ctx, next) => this.run(ctx, next);
  }

  /** The middleware that gives each update `ctx.scene` (what `bot.use(scenes)` adds). */
  middleware(): MiddlewareFn<BaseContext & SceneFlavor<M>> {
    return this.fn;
  }

  private async run(ctx: BaseContext, next: NextFunction): Promise<void> {
    const outer = Object.getOwnPropertyDescriptor(ctx, 'fsm');
    await this.inner(ctx, async () => {
      // The FSM put its control on ctx.fsm: take it, and give ctx.fsm back to whoever had it.
      const mine = Object.getOwnPropertyDescriptor(ctx, 'fsm');
      if (outer === undefined) delete (ctx as { fsm?: unknown }).fsm;
      else Object.defineProperty(ctx, 'fsm', outer);
      const fsm = mine?.value as SceneFsmControl | undefined;
      if (fsm === undefined) {
        Object.defineProperty(ctx, 'scene', {
          configurable: true,
          get: () => {
            throw new StateError(
              'no_state_key',
              `a ${ctx.update.type} update has no user or chat to keep a scene for`,
            );
          },
        });
        return next();
      }
      const control = this.control(ctx, fsm);
      Object.defineProperty(ctx, 'scene', { configurable: true, enumerable: true, value: control });
      await this.route(ctx, fsm, control, next);
    });
  }

  private async route(
    ctx: BaseContext,
    fsm: SceneFsmControl,
    control: Control,
    next: NextFunction,
  ): Promise<void> {
    const entry = fsm.get();
    if (entry === undefined || !this.updates.has(ctx.update.type)) return next();
    const runtime = this.scenes.get(entry.state) as SceneRuntime;
    if (runtime.timeoutMs !== undefined && Date.now() - entry.data.at > runtime.timeoutMs) {
      await control.leaveFor('timeout');
      await ctx.reply(runtime.expired);
      return;
    }
    const head = ctx.commandCall?.head;
    if (head !== undefined && runtime.cancel !== undefined && head === runtime.cancel.command) {
      await control.leaveFor('cancel');
      if (runtime.cancel.reply !== undefined) await ctx.reply(runtime.cancel.reply);
      return;
    }
    if (head !== undefined && head === runtime.back) return control.back();
    const step = runtime.steps[entry.data.step];
    if (step === undefined) {
      // Stored by a version of the scene with more steps: leave it and handle the update as usual.
      await control.leaveFor('leave');
      return next();
    }
    await step.handle(ctx, next);
  }

  private control(ctx: BaseContext, fsm: SceneFsmControl): Control {
    const scenes = this.scenes;
    const active = (): { name: string; stored: StoredScene; runtime: SceneRuntime } => {
      const entry = fsm.get();
      if (entry === undefined)
        throw new StateError('no_fsm_state', 'ctx.scene: the user is in no scene (enter() one first)');
      return { name: entry.state, stored: entry.data, runtime: scenes.get(entry.state) as SceneRuntime };
    };
    const show = async (name: string, runtime: SceneRuntime, step: number, data: Record<string, unknown>) => {
      await fsm.set(name, { step, data, at: Date.now() });
      const prompt = runtime.steps[step]?.prompt;
      if (prompt === undefined) return;
      const said = await prompt(ctx);
      if (typeof said === 'string') await ctx.reply(said);
    };
    const control: Control = {
      get current() {
        const entry = fsm.get();
        return entry === undefined
          ? undefined
          : { name: entry.state, step: entry.data.step, data: entry.data.data };
      },
      get name() {
        return fsm.get()?.state;
      },
      get step() {
        return fsm.get()?.data.step;
      },
      get data() {
        return fsm.get()?.data.data ?? {};
      },
      async enter(name, data) {
        const runtime = scenes.get(name);
        if (runtime === undefined)
          throw new StateError(
            'bad_transition',
            `ctx.scene.enter(): no scene "${name}" in this stage (scenes: ${[...scenes.keys()].join(', ')})`,
          );
        if (fsm.get() !== undefined) await control.leaveFor('enter');
        await fsm.set(name, { step: 0, data: { ...(data ?? {}) }, at: Date.now() });
        await runtime.onEnter?.(ctx);
        // onEnter may have moved on (or left): show the first step only when it did not.
        const now = fsm.get();
        if (now?.state === name && now.data.step === 0) await show(name, runtime, 0, now.data.data);
      },
      async next(partial) {
        const { name, stored, runtime } = active();
        const data = { ...stored.data, ...(partial ?? {}) };
        if (stored.step + 1 < runtime.steps.length) return show(name, runtime, stored.step + 1, data);
        const checked = runtime.parse(data);
        await fsm.clear();
        await runtime.onLeave?.(ctx, 'done', data);
        const said = await runtime.done?.(ctx, checked);
        if (typeof said === 'string') await ctx.reply(said);
      },
      async back() {
        const { name, stored, runtime } = active();
        if (stored.step === 0) return control.leaveFor('back');
        await show(name, runtime, stored.step - 1, stored.data);
      },
      async goto(index) {
        const { name, stored, runtime } = active();
        if (!Number.isInteger(index) || index < 0 || index >= runtime.steps.length)
          throw new StateError(
            'bad_transition',
            `ctx.scene.goto(${index}): scene "${name}" has steps 0..${runtime.steps.length - 1}`,
          );
        await show(name, runtime, index, stored.data);
      },
      async update(partial) {
        const { name, stored } = active();
        await fsm.set(name, { ...stored, data: { ...stored.data, ...partial } });
      },
      leave: () => control.leaveFor('leave'),
      async leaveFor(reason) {
        const entry = fsm.get();
        if (entry === undefined) return;
        await fsm.clear();
        await scenes.get(entry.state)?.onLeave?.(ctx, reason, entry.data.data);
      },
    };
    return control;
  }
}

/** The control behind `ctx.scene` (types erased). */
interface Control {
  readonly current: { name: string; step: number; data: Record<string, unknown> } | undefined;
  readonly name: string | undefined;
  readonly step: number | undefined;
  readonly data: Record<string, unknown>;
  enter(name: string, data?: object): Promise<void>;
  next(partial?: object): Promise<void>;
  back(): Promise<void>;
  goto(index: number): Promise<void>;
  update(partial: object): Promise<void>;
  leave(): Promise<void>;
  leaveFor(reason: SceneLeaveReason): Promise<void>;
}

/**
 * Runs scenes (see {@link Stage}): `bot.use(stage([signup, feedback]))`, then `ctx.scene.enter(name)`.
 *
 * @example
 * const scenes = stage([signup], { ttlMs: 86_400_000 });
 * bot.use(scenes);
 * bot.command('signup', (ctx: Context & SceneFlavor<typeof scenes>) => ctx.scene.enter('signup'));
 */
export function stage<const S extends readonly AnyScene[], C extends BaseContext = BaseContext>(
  scenes: S,
  options?: StageOptions<C>,
): Stage<SceneMapOf<S>> {
  return new Stage(scenes, options as StageOptions);
}
