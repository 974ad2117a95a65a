import { VkwireConfigError } from '@vkwire/core';
import type { BaseContext, Context } from '../../context.js';
import type { Handler, MiddlewareFn } from '../../middleware.js';
import type { StateSpec } from '../fsm.js';

/** Why a user left a scene (what `onLeave` is told). */
export type SceneLeaveReason = 'done' | 'leave' | 'cancel' | 'back' | 'timeout' | 'enter';

/**
 * The scene a step runs in, as `ctx.scene` shows it to that step: its data so far and the moves.
 * Every move is written to storage after the handlers, through the stage's FSM.
 */
export interface ActiveScene<D extends object> {
  /** The scene's name. */
  readonly name: string;
  /** The index of the current step (0 is the first). */
  readonly step: number;
  /** What the steps gathered so far (each step adds its part with `next`). */
  readonly data: Partial<D>;
  /**
   * Merges `partial` into the data and shows the next step (its prompt runs now). On the last step,
   * the data is checked by the scene's `data` schema and the scene ends: `onLeave` (`'done'`) runs,
   * then `done` with the checked data.
   */
  next(partial?: Partial<D>): Promise<void>;
  /** Shows the previous step again (its prompt runs now); on the first step, leaves the scene (`'back'`). */
  back(): Promise<void>;
  /** Shows step `index` (its prompt runs now), keeping the data. */
  goto(index: number): Promise<void>;
  /** Merges `partial` into the data and stays on this step. */
  update(partial: Partial<D>): Promise<void>;
  /** Leaves the scene (`onLeave` with `'leave'`). */
  leave(): Promise<void>;
  /** Enters another scene of the stage (this one is left first, `onLeave` with `'enter'`). */
  enter(name: string, data?: object): Promise<void>;
}

/** A context inside a step of a scene whose data is `D` (what step handlers get). */
export interface InScene<D extends object> {
  /** The scene this update is in. */
  scene: ActiveScene<D>;
}

/**
 * One step of a scene: `prompt` runs when the step is shown (on `enter`, `next`, `back`, `goto`) and
 * asks its question — a string is sent as is, a function's returned string is the reply; `handle`
 * gets the user's answer (every routed update while the user is on this step) and moves on with
 * `ctx.scene.next(data)`. A returned string is the reply; call `next()` to pass the update on.
 * A bare function is a step without a prompt.
 */
export type SceneStep<D extends object, C extends BaseContext> =
  | Handler<C & InScene<D>>
  | {
      /** What `describe()` calls the step. @default its prompt when that is a string, else `step <n>` */
      name?: string;
      /** Asks the step's question when it is shown. */
      prompt?: string | ((ctx: C & InScene<D>) => unknown);
      /** Handles the answer. */
      handle: Handler<C & InScene<D>>;
    };

/** Options of {@link scene}. */
export interface SceneOptions<D extends object, C extends BaseContext = Context> {
  /** The steps, in order; at least one. */
  steps: ReadonlyArray<SceneStep<D, C>>;
  /**
   * The data the steps gather: a zod schema or `stateData<T>()`. It types `ctx.scene.data` and is
   * checked once, when the last step calls `next()` (the parts before are partial).
   * @default stateData<D>() (nothing checked)
   */
  data?: StateSpec<D> | undefined;
  /**
   * A step not answered within this many milliseconds expires: on the user's next update the scene
   * is left (`onLeave` with `'timeout'`) and `expired` is sent. Checked lazily against the time the
   * step was shown, kept in storage — no timer runs. @default never
   */
  timeoutMs?: number | undefined;
  /** What the user is told when the scene expired. @default 'This dialog has expired.' */
  expired?: string | undefined;
  /** A command that leaves the scene from any step, and an optional reply. */
  cancel?: { command: string; reply?: string | undefined } | undefined;
  /** A command that shows the previous step again (on the first step: leaves the scene). */
  back?: { command: string } | undefined;
  /** Runs with the checked data when the last step calls `next()`; a returned string is the reply. */
  done?: ((ctx: C & InScene<D>, data: D) => unknown) | undefined;
  /** Runs when the user enters the scene, before the first step's prompt. */
  onEnter?: ((ctx: C & InScene<D>) => unknown) | undefined;
  /**
   * Runs when the user leaves the scene, for any reason (before `done`), with the data gathered;
   * the scene is already cleared from `ctx.scene`.
   */
  onLeave?: ((ctx: C & InScene<D>, reason: SceneLeaveReason, data: Partial<D>) => unknown) | undefined;
}

/** A step as the stage runs it (the types erased). */
export interface SceneRuntimeStep {
  /** The prompt, as a function. */
  readonly prompt: ((ctx: BaseContext) => unknown) | undefined;
  /** The handler, replying with a returned string. */
  readonly handle: MiddlewareFn<BaseContext>;
}

/** A scene as the stage runs it (the types erased): not for use outside the stage. */
export interface SceneRuntime {
  /** The steps. */
  readonly steps: readonly SceneRuntimeStep[];
  /** Checks the finished data. */
  readonly parse: (data: unknown) => unknown;
  /** The timeout in milliseconds, if any. */
  readonly timeoutMs: number | undefined;
  /** The expiry notice. */
  readonly expired: string;
  /** The cancel command (lowercase) and reply. */
  readonly cancel: { command: string; reply: string | undefined } | undefined;
  /** The back command (lowercase). */
  readonly back: string | undefined;
  /** The done hook. */
  readonly done: ((ctx: BaseContext, data: unknown) => unknown) | undefined;
  /** The enter hook. */
  readonly onEnter: ((ctx: BaseContext) => unknown) | undefined;
  /** The leave hook. */
  readonly onLeave: ((ctx: BaseContext, reason: SceneLeaveReason, data: object) => unknown) | undefined;
  /** The Mermaid lines of the scene as a composite state (what `describe()` draws). */
  readonly diagram: readonly string[];
}

/**
 * A declared scene (a wizard): its name, steps and data type. Give it to {@link stage} to run it.
 * `D` is the data the steps gather; `C` the bot's context type.
 */
export class Scene<N extends string, D extends object, C extends BaseContext = Context> {
  /** Used only for types: the data the steps gather. */
  declare readonly dataType: D;
  /** Used only for types: the context the steps get. */
  declare readonly contextType: C;
  /** How the stage runs it. */
  readonly runtime: SceneRuntime;

  /**
   * @param name the scene's name (its FSM state name)
   * @param options steps, data, timeout, commands, hooks
   */
  constructor(
    readonly name: N,
    options: SceneOptions<D, C>,
  ) {
    if (typeof name !== 'string' || name === '')
      throw new VkwireConfigError('scene', 'name', 'a non-empty string', { got: name });
    if (!Array.isArray(options?.steps) || options.steps.length === 0)
      throw new VkwireConfigError('scene', 'steps', 'a non-empty array of steps', { got: options?.steps });
    const steps = options.steps.map((step, index): SceneRuntimeStep => {
      const handle = typeof step === 'function' ? step : step?.handle;
      if (typeof handle !== 'function')
        throw new VkwireConfigError('scene', `steps[${index}]`, 'a handler or { prompt?, handle }', {
          got: step,
        });
      const prompt = typeof step === 'function' ? undefined : step.prompt;
      return {
        prompt:
          prompt === undefined
            ? undefined
            : typeof prompt === 'string'
              ? () => prompt
              : (prompt as (ctx: BaseContext) => unknown),
        handle: replying(handle as Handler<BaseContext>),
      };
    });
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0))
      throw new VkwireConfigError('scene', 'timeoutMs', 'a positive number of milliseconds', {
        got: options.timeoutMs,
      });
    for (const key of ['cancel', 'back'] as const) {
      const command = options[key]?.command;
      if (options[key] !== undefined && (typeof command !== 'string' || command === ''))
        throw new VkwireConfigError('scene', `${key}.command`, 'a command name', { got: command });
    }
    const labels = options.steps.map((step, index) =>
      typeof step === 'function'
        ? `step ${index + 1}`
        : (step.name ?? (typeof step.prompt === 'string' ? step.prompt : `step ${index + 1}`)),
    );
    this.runtime = {
      steps,
      diagram: diagram(name, labels, options),
      parse: options.data === undefined ? (data) => data : (data) => options.data?.parse(data),
      timeoutMs: options.timeoutMs,
      expired: options.expired ?? 'This dialog has expired.',
      cancel:
        options.cancel === undefined
          ? undefined
          : { command: options.cancel.command.toLowerCase(), reply: options.cancel.reply },
      back: options.back?.command.toLowerCase(),
      done: options.done as SceneRuntime['done'],
      onEnter: options.onEnter as SceneRuntime['onEnter'],
      onLeave: options.onLeave as SceneRuntime['onLeave'],
    };
  }

  /**
   * The scene's declared flow as Mermaid `stateDiagram-v2` text (paste it into a ` ```mermaid `
   * block): its steps in order with `next`, `back` when a back command is declared, `done` after the
   * last, and the exits from any step (`cancel`, `timeout`). `goto()` moves, made at run time, are
   * not drawn.
   */
  describe(): string {
    return `${['stateDiagram-v2', ...this.runtime.diagram].join('\n')}\n`;
  }
}

/** A label Mermaid accepts after `:` (one line, no `;` or `:`-led breaks). */
function label(text: string): string {
  const line = text.replace(/\s+/g, ' ').replace(/[;#]/g, ' ').trim();
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
}

/** A scene as a composite state: `[*] --> name` enters it, its steps inside, its exits after. */
function diagram<D extends object, C extends BaseContext>(
  name: string,
  labels: readonly string[],
  options: SceneOptions<D, C>,
): string[] {
  const id = (index: number) => `${name}_${index + 1}`;
  const lines = [`    [*] --> ${name} : enter`, `    state ${name} {`];
  labels.forEach((text, index) => {
    lines.push(`        ${id(index)} : ${index + 1}. ${label(text)}`);
  });
  lines.push(`        [*] --> ${id(0)}`);
  for (let index = 0; index + 1 < labels.length; index++)
    lines.push(`        ${id(index)} --> ${id(index + 1)} : next`);
  const back = options.back?.command;
  if (back !== undefined)
    for (let index = 1; index < labels.length; index++)
      lines.push(`        ${id(index)} --> ${id(index - 1)} : /${back}`);
  lines.push(`        ${id(labels.length - 1)} --> [*] : done`);
  if (back !== undefined) lines.push(`        ${id(0)} --> [*] : /${back}`);
  lines.push('    }');
  lines.push(`    ${name} --> [*]`);
  if (options.cancel !== undefined) lines.push(`    ${name} --> [*] : /${options.cancel.command}`);
  if (options.timeoutMs !== undefined) lines.push(`    ${name} --> [*] : timeout ${options.timeoutMs} ms`);
  return lines;
}

/** A handler whose returned string is sent as the reply (as `on`'s handlers). */
function replying(handler: Handler<BaseContext>): MiddlewareFn<BaseContext> {
  return (ctx, next) => {
    const result = handler(ctx, next);
    if (typeof result === 'string') return ctx.reply(result);
    if (result instanceof Promise)
      return result.then((value) => (typeof value === 'string' ? ctx.reply(value) : undefined));
    return result;
  };
}

/**
 * Declares a scene — a wizard of steps over the FSM (telegraf's WizardScene, aiogram's scenes):
 * each step asks (`prompt`) and handles the answer (`handle`), gathering typed data with
 * `ctx.scene.next(part)`; `back`/`cancel` commands, a lazily checked timeout, enter/leave hooks.
 * Run it with {@link stage}.
 *
 * @example
 * const signup = scene('signup', {
 *   data: z.object({ name: z.string(), age: z.number().int() }),
 *   steps: [
 *     { prompt: 'Your name?', handle: (ctx) => ctx.scene.next({ name: ctx.text ?? '' }) },
 *     {
 *       prompt: (ctx) => `${ctx.scene.data.name}, your age?`,
 *       handle: async (ctx) => {
 *         const age = Number(ctx.text);
 *         if (!Number.isInteger(age)) return 'A number, please.';
 *         await ctx.scene.next({ age });
 *       },
 *     },
 *   ],
 *   done: (_ctx, data) => `Welcome, ${data.name} (${data.age})!`,
 *   timeoutMs: 10 * 60_000,
 *   cancel: { command: 'cancel', reply: 'Cancelled.' },
 *   back: { command: 'back' },
 * });
 */
export function scene<N extends string, D extends object, C extends BaseContext = Context>(
  name: N,
  options: SceneOptions<D, C>,
): Scene<N, D, C> {
  return new Scene(name, options);
}
