import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import {
  defaultLogger,
  errorText,
  type Logger,
  type StopResult,
  toError,
  VkwireConfigError,
} from '@vkwire/core';
import { CheckFailure } from './checks/failure.js';
import type { ArgumentErrorPolicy } from './commands/command.js';
import type { CommandSettings } from './commands/parse.js';
import { sortPrefixes } from './commands/parse.js';
import { Composer } from './composer.js';
import type { BaseContext } from './context.js';
import { BotStateError } from './errors.js';
import { helpMiddleware } from './help.js';
import type { MiddlewareFn } from './middleware.js';
import type { Router } from './router.js';
import { cronTask, intervalTask, type Task, type TaskFunction, type TaskOptions } from './tasks.js';

/** A lifecycle hook (`onStartup`, `onReady`, `onShutdown`). */
export type LifecycleHook = () => unknown;

/** Options every kind of bot shares. */
export interface BotBaseOptions {
  /** Prefixes a command starts with (`''` allows none). @default ['/'] */
  prefixes?: readonly string[];
  /** `/Ping` differs from `/ping`. @default false */
  caseSensitive?: boolean;
  /** Extra text after a command's arguments is an error (vkflow's strict mode). @default false */
  strict?: boolean;
  /** What to do when a command's arguments are wrong. @default 'reply' (the problem and the usage) */
  onArgumentError?: ArgumentErrorPolicy;
  /**
   * The generated help command: its name, or false for none. It lists the commands with their
   * descriptions; `/help <command>` shows one command's usage, arguments and examples. A command
   * of that name you add yourself wins. @default 'help'
   */
  help?: string | false;
  /**
   * Handlers running at once, per community (each community polls on its own and has its own rate
   * limit; updates from `handleUpdate` share one bound); updates of one conversation never run at
   * once (they keep their order). @default 64
   */
  concurrency?: number;
  /** How long `stop()` waits for running handlers and tasks, then aborts their `signal`. @default 10000 */
  stopTimeoutMs?: number;
  /**
   * Where warnings and unhandled errors go (pino-compatible).
   * @default core's `defaultLogger`: warnings and errors to stderr, rate-limited
   */
  logger?: Logger;
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Custom events: name → payload. */
export type BotEvents = Record<string, unknown>;

/**
 * What every bot has, whatever its transport: the middleware tree (it is a `Composer`), command
 * settings, routers, lifecycle hooks, background tasks, custom events, error reporting and the stop
 * sequence. `Bot` (communities) and `UserBot` (a user account) build on it.
 */
export abstract class BotBase<C extends BaseContext, E extends BotEvents = BotEvents> extends Composer<C> {
  /** How commands are read; every context of this bot gets it. */
  protected readonly settings: CommandSettings;
  /** Where warnings and unhandled errors go. */
  protected readonly logger: Logger;
  /** Handlers running at once. */
  protected readonly concurrency: number;
  /** How long `stop()` waits. */
  protected readonly stopTimeoutMs: number;
  /** Aborted when `stop()` gives up waiting: the signal of handlers that have no transport's. */
  protected readonly runController = unlimited(new AbortController());
  private state: State = 'idle';
  private readonly startupHooks: LifecycleHook[] = [];
  private readonly readyHooks: LifecycleHook[] = [];
  private readonly shutdownHooks: LifecycleHook[] = [];
  private readonly tasks: Task[] = [];
  private readonly routers: Array<Router<C>> = [];
  private readonly listeners = new Map<string, Array<(payload: never) => unknown>>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping: Promise<StopResult> | undefined;
  private readonly root: MiddlewareFn<C>;
  private readonly helpName: string | false;

  /**
   * What `JSON.stringify` shows of the bot: its kind, its state and what {@link printedFields} adds —
   * never its token, secrets or options.
   */
  toJSON(): Record<string, unknown> {
    return { bot: this.constructor.name, state: this.state, ...this.printedFields() };
  }

  /** What Node's `inspect` (`console.log`) shows: the same as {@link toJSON}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const { bot, ...fields } = this.toJSON();
    return `${String(bot)} ${inspect(fields, { breakLength: Number.POSITIVE_INFINITY })}`;
  }

  /** Fields a kind of bot adds to what printing it shows (nothing secret). */
  protected printedFields(): Record<string, unknown> {
    return {};
  }

  constructor(component: string, options: BotBaseOptions) {
    super();
    const prefixes = options.prefixes ?? ['/'];
    if (
      !Array.isArray(prefixes) ||
      prefixes.length === 0 ||
      prefixes.some((prefix) => typeof prefix !== 'string')
    )
      throw new VkwireConfigError(component, 'prefixes', 'a non-empty array of strings', { got: prefixes });
    this.settings = Object.freeze({
      prefixes: sortPrefixes(prefixes),
      caseSensitive: options.caseSensitive ?? false,
      strict: options.strict ?? false,
      onArgumentError: options.onArgumentError ?? 'reply',
    });
    this.concurrency = positiveInteger(component, 'concurrency', options.concurrency, 64);
    this.stopTimeoutMs = positiveInteger(component, 'stopTimeoutMs', options.stopTimeoutMs, 10_000, 0);
    this.logger = options.logger ?? defaultLogger;
    this.helpName = options.help ?? 'help';
    const tree = super.middleware();
    const help =
      this.helpName === false ? undefined : helpMiddleware<C>(this.helpName, () => this.commandList());
    this.root = help === undefined ? tree : (ctx, next) => tree(ctx, () => help(ctx, next) as Promise<void>);
  }

  /** Whether the bot has started and not begun to stop. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Runs before the bot starts taking updates (in order; a throwing hook fails `start()`). */
  onStartup(hook: LifecycleHook): this {
    this.startupHooks.push(hook);
    return this;
  }

  /** Runs once the bot takes updates. */
  onReady(hook: LifecycleHook): this {
    this.readyHooks.push(hook);
    return this;
  }

  /** Runs during `stop()`, after the last handler finished and before the API clients close. */
  onShutdown(hook: LifecycleHook): this {
    this.shutdownHooks.push(hook);
    return this;
  }

  /**
   * Runs `fn` every `interval` (`'10m'`, `'1h30m'`, or milliseconds) while the bot runs. A run never
   * overlaps the previous one; `stop()` waits for a run in progress (its `signal` is aborted after
   * the stop timeout). A throwing run is logged; the task keeps its schedule.
   *
   * @example
   * bot.every('10m', async ({ signal }) => { await refreshRates(signal); });
   */
  every(interval: number | string, fn: TaskFunction, options: TaskOptions = {}): this {
    return this.addTask(intervalTask(interval, fn, options, () => this.logger));
  }

  /**
   * Runs `fn` on a cron expression (minute hour day month weekday, an optional seconds field first)
   * while the bot runs, with the same guarantees as `every`.
   *
   * @example
   * bot.cron('0 9 * * 1-5', () => bot.api.messages.send({ peer_id: 2000000001, message: 'Stand-up!' }));
   */
  cron(expression: string, fn: TaskFunction, options: TaskOptions = {}): this {
    return this.addTask(cronTask(expression, fn, options, () => this.logger));
  }

  private addTask(task: Task): this {
    this.tasks.push(task);
    if (this.state === 'running') task.start();
    return this;
  }

  /**
   * Adds a router at the end of the tree. On a running bot its `onLoad` hooks run now; otherwise
   * when the bot starts.
   */
  async addRouter(router: Router<C>): Promise<void> {
    if (this.routers.includes(router)) return;
    this.routers.push(router);
    this.use(router);
    if (this.state === 'running') await router.load();
  }

  /** Takes a router out: updates arriving from now on do not reach it; its `onUnload` hooks run on a running bot. */
  async removeRouter(router: Router<C>): Promise<boolean> {
    const index = this.routers.indexOf(router);
    if (index < 0) return false;
    this.routers.splice(index, 1);
    this.removeMiddleware(router.middleware());
    if (this.state === 'running') await router.unload();
    return true;
  }

  /**
   * Listens to a custom event sent with `emit`.
   *
   * @example
   * const bot = new Bot<Context, { order_paid: { orderId: number } }>({ token });
   * bot.addListener('order_paid', ({ orderId }) => notify(orderId));
   */
  addListener<K extends keyof E & string>(name: K, listener: (payload: E[K]) => unknown): this {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as (payload: never) => unknown);
    this.listeners.set(name, list);
    return this;
  }

  /** Stops listening. */
  removeListener<K extends keyof E & string>(name: K, listener: (payload: E[K]) => unknown): this {
    const list = this.listeners.get(name);
    const index = list?.indexOf(listener as (payload: never) => unknown) ?? -1;
    if (index >= 0) list?.splice(index, 1);
    return this;
  }

  /**
   * Sends a custom event to its listeners, one after another; resolves when all are done. A
   * throwing listener is logged and the others still run.
   */
  async emit<K extends keyof E & string>(name: K, payload: E[K]): Promise<void> {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        await (listener as (payload: E[K]) => unknown)(payload);
      } catch (error) {
        this.logger.error({ event: name, error: errorText(error) }, `a listener of "${name}" failed`);
      }
    }
  }

  /** The whole tree as one middleware, with the generated help last. */
  override middleware(): MiddlewareFn<C> {
    return this.root;
  }

  /** Starts the transport (the subclass's); the lifecycle around it is shared. */
  protected abstract startIntake(): Promise<void>;

  /** Stops the transport, waiting for its handlers up to the timeout; returns how many were abandoned. */
  protected abstract stopIntake(): Promise<number>;

  /** Called first thing in `stop()`: calls off what waits in memory (pending `waitFor`s). */
  protected cancelWaits(): void {}

  /** Closes what the bot owns (API clients it created). */
  protected abstract closeResources(): Promise<void>;

  /** Throws when updates must not be handled any more. */
  protected assertOpen(): void {
    if (this.state === 'stopped' || this.state === 'stopping')
      throw new BotStateError('bot_stopped', 'the bot was stopped: it handles no more updates');
  }

  /**
   * Starts the bot: runs `onStartup` hooks and the routers' `onLoad`, starts taking updates, starts
   * the background tasks, runs `onReady`. Rejects when the transport cannot start (what started is
   * stopped again, and `start()` may be tried again).
   */
  async start(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping')
      throw new BotStateError('bot_stopped', 'a stopped bot is not started again: create a new one');
    if (this.state !== 'idle') throw new BotStateError('bot_running', 'the bot is running already');
    this.state = 'starting';
    try {
      for (const hook of this.startupHooks) await hook();
      for (const router of this.routers) await router.load();
      await this.startIntake();
    } catch (error) {
      await this.stopIntake().catch(() => 0);
      this.state = 'idle';
      throw error;
    }
    if ((this.state as State) !== 'starting') return;
    this.state = 'running';
    for (const task of this.tasks) task.start();
    for (const hook of this.readyHooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error({ error: errorText(error) }, 'an onReady hook failed');
      }
    }
  }

  /**
   * Stops the bot: stops taking updates, waits up to `stopTimeoutMs` for handlers and task runs in
   * progress (then aborts their `signal`; their outcomes are dropped), runs `onShutdown` hooks and
   * the routers' `onUnload`, closes the API clients it created. When it resolves nothing of the bot
   * runs any more. The same promise every call.
   */
  stop(): Promise<StopResult> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<StopResult> {
    const wasRunning = this.state === 'running' || this.state === 'starting';
    this.state = 'stopping';
    this.cancelWaits();
    let abandoned = 0;
    const [intake, tasks, direct] = await Promise.all([
      this.stopIntake().catch((error: unknown) => {
        this.logger.error({ error: errorText(error) }, 'stopping the transport failed');
        return 0;
      }),
      Promise.all(this.tasks.map((task) => task.stop(this.stopTimeoutMs))),
      this.drain(),
    ]);
    abandoned += intake + tasks.filter(Boolean).length + direct;
    if (abandoned > 0) this.runController.abort(new BotStateError('bot_stopped', 'stop() gave up waiting'));
    if (wasRunning) {
      for (const hook of this.shutdownHooks) {
        try {
          await hook();
        } catch (error) {
          this.logger.error({ error: errorText(error) }, 'an onShutdown hook failed');
        }
      }
      for (const router of this.routers) {
        try {
          await router.unload();
        } catch (error) {
          this.logger.error(
            { router: router.name, error: errorText(error) },
            'a router onUnload hook failed',
          );
        }
      }
    }
    await this.closeResources();
    this.state = 'stopped';
    return { abandoned };
  }

  /** Waits for handlers started by `handleUpdate` calls (not a transport's) up to the stop timeout. */
  private async drain(): Promise<number> {
    if (this.inFlight.size === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(this.inFlight).then(() => true);
    const finished = await Promise.race([
      all,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return finished ? 0 : this.inFlight.size;
  }

  /** Runs the tree for a context, reports what it throws, answers an unanswered button press. */
  protected dispatch(ctx: C): Promise<void> {
    ctx.commandSettings = this.settings;
    return this.handle(ctx);
  }

  /**
   * Tracks the handling of an update that no transport owns (`handleUpdate` from any source), so
   * that `stop()` waits for it; a transport's own `stop()` waits for what it delivered.
   */
  protected tracked(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    // Settles `work`'s callers after this (reactions run in the order they were added).
    const forget = (): void => {
      this.inFlight.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  private async handle(ctx: C): Promise<void> {
    try {
      await this.root(ctx, () => Promise.resolve());
    } catch (error) {
      this.report(toError(error), ctx);
    }
    if (!ctx.answered && ctx.buttonPress() !== undefined && !ctx.signal.aborted) {
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

  /** Logs an error no error handler took, with the update type and event id (never a token). */
  protected report(error: Error, ctx: C): void {
    // A check refusing a user (a cooldown, a chat-only command) is no fault of the bot.
    if (error instanceof CheckFailure) {
      this.logger.warn(
        { type: ctx.update.type, event_id: ctx.delivery.eventId, peer_id: ctx.peerId, check: error.check },
        `a check refused an update and no error handler answered it (bot.catch can): ${error.message}`,
      );
      return;
    }
    this.logger.error(
      {
        type: ctx.update.type,
        event_id: ctx.delivery.eventId,
        group_id: ctx.groupId,
        peer_id: ctx.peerId,
        error: errorText(error),
        ...(error.stack === undefined ? {} : { stack: error.stack }),
      },
      `unhandled error in a handler of ${ctx.update.type}: ${error.message}`,
    );
  }
}

function positiveInteger(
  component: string,
  option: string,
  value: number | undefined,
  fallback: number,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min)
    throw new VkwireConfigError(component, option, `an integer ≥ ${min}`, { got: value });
  return value;
}

/** A signal shared by every handler (each API call in flight listens to it): no listener limit. */
function unlimited(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
