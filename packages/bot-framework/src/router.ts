import { Composer } from './composer.js';
import type { BaseContext, Context } from './context.js';
import { chain, flatten, type Middleware, type MiddlewareFn } from './middleware.js';

/** A router's lifecycle hook: gets the bot (or whatever loaded the router). */
export type RouterHook = () => unknown;

/** Options of `new Router(...)`. */
export interface RouterOptions<C extends BaseContext = Context> {
  /** A name for logs and `describe()`. */
  name?: string;
  /**
   * Checks every handler of this router runs first (cooldowns, chat-only, admins...): they run
   * only for updates a handler of the router matched, so a failing check does not stop other routers.
   */
  checks?: ReadonlyArray<Middleware<NoInfer<C>>>;
}

/**
 * A part of a bot with its own handlers, checks, error handler and lifecycle (vkflow's cogs,
 * aiogram's routers): the same methods as the bot. Add it with `bot.addRouter(router)` and take it
 * out with `bot.removeRouter(router)`, also while the bot runs; `onLoad` runs when it is added to a
 * running bot (or when the bot starts), `onUnload` when it is removed (or the bot stops).
 *
 * @example
 * const admin = new Router<Context>({ name: 'admin', checks: [chatAdmin()] });
 * admin.command('ban', { args: { user: arg.user() } }, (ctx) => `Banned id${ctx.args.user.id}`);
 * admin.catch((error, ctx) => ctx.reply(error.message));
 * await bot.addRouter(admin);
 */
export class Router<C extends BaseContext = Context> extends Composer<C> {
  /** The router's name. */
  readonly name: string;
  private readonly checks: Array<MiddlewareFn<C>>;
  private readonly loadHooks: RouterHook[] = [];
  private readonly unloadHooks: RouterHook[] = [];

  constructor(options: RouterOptions<C> = {}) {
    super();
    this.name = options.name ?? 'router';
    this.checks = (options.checks ?? []).map(flatten);
  }

  /** Adds a check every handler of this router runs first. */
  check(...checks: Array<Middleware<C>>): this {
    this.checks.push(...checks.map(flatten));
    return this;
  }

  /** Runs when the router is added to a running bot, or when its bot starts. */
  onLoad(hook: RouterHook): this {
    this.loadHooks.push(hook);
    return this;
  }

  /** Runs when the router is removed from a running bot, or when its bot stops. */
  onUnload(hook: RouterHook): this {
    this.unloadHooks.push(hook);
    return this;
  }

  /** @internal Runs the load hooks in order. */
  async load(): Promise<void> {
    for (const hook of this.loadHooks) await hook();
  }

  /** @internal Runs the unload hooks in order. */
  async unload(): Promise<void> {
    for (const hook of this.unloadHooks) await hook();
  }

  protected override guard<X extends C>(route: MiddlewareFn<X>): MiddlewareFn<X> {
    // Checks read at each update, so one added later applies to handlers added before it.
    return (ctx, next) =>
      this.checks.length === 0
        ? route(ctx, next)
        : chain([...(this.checks as Array<MiddlewareFn<X>>), route])(ctx, next);
  }
}
