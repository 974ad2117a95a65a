import { type ArgsSpec, checkArgsSpec, describeArgs, usage } from './args/index.js';
import {
  type CommandContext,
  type CommandEntry,
  type CommandInfo,
  type CommandOptions,
  commandPath,
  commandRoute,
} from './commands/command.js';
import { CommandGroup } from './commands/group.js';
import type { BaseContext, Context } from './context.js';
import {
  type ChatActionContext,
  type ChatActionType,
  type Filtered,
  type HearsContext,
  isChatAction,
  type MessageContext,
  matchesQuery,
  serviceAction,
  type UpdateQuery,
} from './filters.js';
import { payloadMatches } from './keyboard/payload.js';
import {
  boundary,
  chain,
  flatten,
  type Handler,
  type Middleware,
  type MiddlewareFn,
  type MiddlewareObj,
  type NextFunction,
} from './middleware.js';
import { type GroupedRoute, RouteGroup } from './route-group.js';

/** Takes an error a handler threw, with the context it threw on. Throw again to pass it on. */
export type ErrorHandler<C> = (error: Error, ctx: C) => unknown;

/** A text trigger of `hears`: a regular expression, or a string the whole text must equal (case-insensitively). */
export type HearsTrigger = RegExp | string;

/**
 * A callback-data query (`defineCallbackData(...).filter()`): matches a payload and unpacks it.
 * Anything with a `match` method works.
 */
export interface PayloadQuery<D> {
  /** The unpacked data when the payload matches, else undefined. */
  match(payload: unknown): D | undefined;
}

/** The context of `button`: the payload's data is `ctx.data`. */
export type ButtonContext<C extends BaseContext, D> = C & { data: D };

/**
 * A tree of middleware: what a bot, a router and a plugin are made of. Every method adds a
 * middleware; they run in the order they were added, each deciding whether the rest runs. Handlers
 * added with `on`, `hears`, `command`, `button` and `payload` end the route when they match (call
 * `next()` to go on) and send a returned string as a reply.
 *
 * Middleware may be added while updates are handled: an update in flight keeps the tree it began
 * with.
 *
 * @example
 * const admin = new Composer<Context>();
 * admin.command('ban', (ctx) => 'banned');
 * bot.filter((ctx) => admins.has(ctx.senderId ?? 0), admin);
 */
export class Composer<C extends BaseContext = Context> implements MiddlewareObj<C> {
  private readonly stack: Array<MiddlewareFn<C>> = [];
  private readonly entries: CommandEntry[] = [];
  /** The group the last grouped route (`hears`) went into. */
  private routeGroup: RouteGroup<C> | undefined;
  /** The group the last `command()` went into, while nothing was added after it. */
  private group: CommandGroup<C> | undefined;
  /** Composers added with `use` or `filter` (routers), in order: their commands show in `commandList()`. */
  protected readonly children: Array<Composer<C>> = [];
  /** Update types this tree's handlers wait for (what `on`, `command`, `button`... registered). */
  private readonly types = new Set<string>();
  private compiled: MiddlewareFn<C> | undefined;
  private errorHandler: ErrorHandler<C> | undefined;
  private readonly fn: MiddlewareFn<C>;

  /** @param middleware the first middleware of the tree */
  constructor(...middleware: Array<Middleware<C>>) {
    this.fn = (ctx, next) => this.run(ctx, next);
    for (const item of middleware) {
      if (item instanceof Composer) this.children.push(item);
      this.stack.push(flatten(item));
    }
  }

  /** This tree as one middleware function (it reads the tree as it is when each update arrives). */
  middleware(): MiddlewareFn<C> {
    return this.fn;
  }

  private run(ctx: C, next: NextFunction): unknown {
    if (this.compiled === undefined) {
      const tree = chain(this.stack);
      this.compiled = this.errorHandler === undefined ? tree : boundary(tree, this.errorHandler);
    }
    return this.compiled(ctx, next);
  }

  /** Adds middleware to the end of the tree. */
  protected add(middleware: MiddlewareFn<C>): this {
    this.stack.push(middleware);
    this.compiled = undefined;
    return this;
  }

  /** Removes a middleware (a function or a composer/router added with `use`); false when it was not there. */
  protected removeMiddleware(middleware: MiddlewareFn<C>): boolean {
    const index = this.stack.indexOf(middleware);
    if (index < 0) return false;
    this.stack.splice(index, 1);
    const child = this.children.findIndex((item) => item.fn === middleware);
    if (child >= 0) this.children.splice(child, 1);
    this.compiled = undefined;
    return true;
  }

  /**
   * Adds middleware that every update reaching this point passes through.
   *
   * @example
   * bot.use(async (ctx, next) => { console.time(ctx.update.type); await next(); console.timeEnd(ctx.update.type); });
   */
  use(...middleware: Array<Middleware<C>>): this {
    for (const item of middleware) {
      if (item instanceof Composer) this.children.push(item);
      this.add(flatten(item));
    }
    return this;
  }

  /**
   * Adds a command: a message starting with a prefix and the name (or an alias) runs the handlers.
   * A name of several words is a sub-command (`'admin ban'` answers `/admin ban @user`); the longest
   * name that matches wins. With `args`, the text after the name is parsed into `ctx.args` (typed
   * from the declaration); bad arguments are answered with what was wrong and the usage.
   *
   * @example
   * bot.command('ping', () => 'pong');
   * bot.command(['start', 'help'], (ctx) => ctx.reply('Hi!'));
   * bot.command('sum', { args: { numbers: arg.number().greedy() } },
   *   (ctx) => String(ctx.args.numbers.reduce((a, b) => a + b, 0)));
   */
  command(name: string | readonly string[], ...handlers: Array<Handler<CommandContext<C>>>): this;
  command<S extends ArgsSpec = Record<never, never>>(
    name: string | readonly string[],
    options: CommandOptions<C, S>,
    ...handlers: Array<Handler<CommandContext<C, S>>>
  ): this;
  command(
    name: string | readonly string[],
    first: CommandOptions<C, ArgsSpec> | Handler<CommandContext<C, ArgsSpec>>,
    ...rest: Array<Handler<CommandContext<C, ArgsSpec>>>
  ): this {
    const options = typeof first === 'function' ? {} : first;
    if (options.args !== undefined) checkArgsSpec(options.args);
    const handlers = typeof first === 'function' ? [first, ...rest] : rest;
    const names = typeof name === 'string' ? [name] : [...name];
    const [canonical] = names;
    if (canonical === undefined) throw new TypeError('command() needs at least one name');
    const aliases = [...names.slice(1), ...(options.aliases ?? [])];
    const entry: CommandEntry = {
      paths: [canonical, ...aliases].map(commandPath),
      spec: options.args,
      info: {
        name: commandPath(canonical).join(' '),
        aliases: aliases.map((alias) => commandPath(alias).join(' ')),
        ...(options.description === undefined ? {} : { description: options.description }),
        args: options.args === undefined ? [] : describeArgs(options.args),
        examples: [...(options.examples ?? [])],
        hidden: options.hidden ?? false,
      },
    };
    this.entries.push(entry);
    this.types.add('message_new');
    // The tree's own checks (a router's) run before the command's checks and its arguments.
    const command = commandRoute(
      entry,
      options,
      () => this.entries,
      leaf(handlers),
      (body) => this.guard(body),
    );
    // Commands added one after another share one middleware that picks them by the first word.
    if (this.group !== undefined && this.stack.at(-1) === this.group.middleware) {
      this.group.add(command);
      return this;
    }
    this.group = new CommandGroup<C>();
    this.group.add(command);
    return this.add(this.group.middleware);
  }

  /**
   * The update types the handlers of this tree and of the composers and routers in it wait for:
   * what `on`, `command`, `hears`, `button`, `payload` and `chatAction` registered. Plain `use`
   * middleware adds none (it usually passes updates on).
   */
  handledTypes(): Set<string> {
    const all = new Set(this.types);
    for (const child of this.children) for (const type of child.handledTypes()) all.add(type);
    return all;
  }

  /**
   * The commands of this tree and of the composers and routers added to it, in the order they
   * were added: what `/help` and `bot.describe()` show.
   */
  commandList(): CommandInfo[] {
    const own = this.entries.map((entry) => ({
      ...entry.info,
      usage: entry.spec === undefined ? `/${entry.info.name}` : usage(entry.spec, `/${entry.info.name}`),
    }));
    return [...own, ...this.children.flatMap((child) => child.commandList())];
  }

  /**
   * Handles updates of a type (or of several): the handlers get the context narrowed to it.
   * `'message'` is a new message someone wrote (a `message_new` that is not a chat service message).
   *
   * @example
   * bot.on('message_new', (ctx) => console.log(ctx.message.text));
   * bot.on('group_join', (ctx) => ctx.api.messages.send({ user_id: ctx.update.object.user_id, message: 'Welcome!' }));
   */
  on<Q extends UpdateQuery<C>>(query: Q | readonly Q[], ...handlers: Array<Handler<Filtered<C, Q>>>): this {
    const queries: readonly string[] = typeof query === 'string' ? [query] : query;
    for (const item of queries) this.types.add(item === 'message' ? 'message_new' : item);
    const route = this.route(handlers);
    const single = queries.length === 1 ? queries[0] : undefined;
    if (single !== undefined && single !== 'message')
      return this.add((ctx, next) => (ctx.update.type === single ? route(ctx as never, next) : next()));
    return this.add((ctx, next) =>
      queries.some((item) => matchesQuery(ctx, item)) ? route(ctx as never, next) : next(),
    );
  }

  /**
   * Runs the handlers when the predicate holds. A type predicate narrows their context.
   *
   * @example
   * bot.filter((ctx) => ctx.isChat, chatCommands);
   */
  filter<D extends C>(predicate: (ctx: C) => ctx is D, ...handlers: Array<Middleware<D>>): this;
  filter(predicate: (ctx: C) => boolean | Promise<boolean>, ...handlers: Array<Middleware<C>>): this;
  filter(predicate: (ctx: C) => boolean | Promise<boolean>, ...handlers: Array<Middleware<C>>): this {
    for (const item of handlers) if (item instanceof Composer) this.children.push(item);
    const route = chain(handlers.map(flatten));
    return this.add(async (ctx, next) => ((await predicate(ctx)) ? route(ctx, next) : next()));
  }

  /** Stops updates for which the predicate holds: nothing after this point sees them. */
  drop(predicate: (ctx: C) => boolean | Promise<boolean>): this {
    return this.add(async (ctx, next) => {
      if (!(await predicate(ctx))) await next();
    });
  }

  /**
   * Handles new messages whose text matches: a regular expression (`ctx.match` is the match), or a
   * string the whole text equals, ignoring case and surrounding spaces.
   *
   * @example
   * bot.hears(/^hi\b/i, (ctx) => `hi, ${ctx.match[0]}`);
   * bot.hears(['thanks', 'thank you'], () => 'You are welcome');
   */
  hears(trigger: HearsTrigger | readonly HearsTrigger[], ...handlers: Array<Handler<HearsContext<C>>>): this {
    const triggers = (Array.isArray(trigger) ? trigger : [trigger]) as readonly HearsTrigger[];
    this.types.add('message_new');
    const route = this.route(handlers);
    const texts = new Set(
      triggers.filter((item) => typeof item === 'string').map((item) => item.trim().toLowerCase()),
    );
    const patterns = triggers.filter((item): item is RegExp => item instanceof RegExp);
    return this.grouped('hears', isWrittenMessage, {
      run: route as MiddlewareFn<C>,
      match: (ctx) => {
        const text = ctx.text as string;
        for (const pattern of patterns) {
          pattern.lastIndex = 0;
          const found = pattern.exec(text);
          if (found !== null) {
            ctx.match = found;
            return true;
          }
        }
        if (texts.size === 0 || !texts.has(text.trim().toLowerCase())) return false;
        const found = [text] as unknown as RegExpExecArray;
        found.index = 0;
        ctx.match = found;
        return true;
      },
    });
  }

  /**
   * Adds a route to the group of its kind at the end of the tree, or starts a group when something
   * else was added last: routes of one kind in a row cost one middleware, not one each.
   */
  private grouped(kind: string, applies: (ctx: C) => boolean, route: GroupedRoute<C>): this {
    const last = this.routeGroup;
    if (last !== undefined && last.kind === kind && this.stack.at(-1) === last.middleware) {
      last.add(route);
      return this;
    }
    const group = new RouteGroup<C>(kind, applies);
    group.add(route);
    this.routeGroup = group;
    return this.add(group.middleware);
  }

  /**
   * Handles button presses whose payload matches: typed callback data (`ctx.data` unpacked), or a
   * pattern object the payload must contain. Works for callback buttons (`message_event`) and text
   * buttons (a `message_new` with a payload). A callback press the handlers leave unanswered is
   * answered after them, so the user's spinner stops.
   *
   * @example
   * const like = defineCallbackData('like', { id: 'number' });
   * bot.button(like.filter(), (ctx) => ctx.answer({ type: 'show_snackbar', text: `Liked ${ctx.data.id}` }));
   */
  button<D>(query: PayloadQuery<D>, ...handlers: Array<Handler<ButtonContext<C, D>>>): this;
  button(
    pattern: Record<string, unknown>,
    ...handlers: Array<Handler<ButtonContext<C, Record<string, unknown>>>>
  ): this;
  button(
    query: PayloadQuery<unknown> | Record<string, unknown>,
    ...handlers: Array<Handler<ButtonContext<C, never>>>
  ): this {
    this.types.add('message_event').add('message_new');
    const route = this.route(handlers);
    const match: (payload: unknown) => unknown =
      typeof query.match === 'function'
        ? (payload) => (query as PayloadQuery<unknown>).match(payload)
        : (payload) => (payloadMatches(query, payload) ? payload : undefined);
    return this.add((ctx, next) => {
      const type = ctx.update.type;
      if (type !== 'message_event' && type !== 'message_new') return next();
      const payload = ctx.payload;
      if (payload === undefined) return next();
      const data = match(payload);
      if (data === undefined) return next();
      ctx.data = data;
      return route(ctx as never, next);
    });
  }

  /**
   * Handles new messages sent with a text button whose payload contains `pattern`.
   *
   * @example
   * bot.payload({ cmd: 'menu' }, (ctx) => ctx.reply({ message: 'Menu', keyboard: menu }));
   */
  payload(
    pattern: Record<string, unknown>,
    ...handlers: Array<Handler<MessageContext<C> & { data: Record<string, unknown> }>>
  ): this {
    this.types.add('message_new');
    const route = this.route(handlers);
    return this.add((ctx, next) => {
      if (ctx.update.type !== 'message_new') return next();
      const payload = ctx.payload;
      if (payload === undefined || !payloadMatches(pattern, payload)) return next();
      ctx.data = payload;
      return route(ctx as never, next);
    });
  }

  /**
   * Handles chat service messages of an action type: someone joined (`chat_invite_user`, by link,
   * by request), left or was kicked (`chat_kick_user`), the title or photo changed, a message was
   * pinned... `ctx.action` is the action, typed.
   *
   * @example
   * bot.chatAction('chat_invite_user', (ctx) => `Welcome, id${ctx.action.member_id}!`);
   */
  chatAction<T extends ChatActionType>(
    type: T | readonly T[],
    ...handlers: Array<Handler<ChatActionContext<C, T>>>
  ): this {
    const types = new Set<string>(typeof type === 'string' ? [type] : type);
    this.types.add('message_new');
    const route = this.route(handlers);
    return this.add((ctx, next) => {
      if (ctx.update.type !== 'message_new') return next();
      const action = serviceAction(ctx);
      if (!isChatAction(action, types)) return next();
      (ctx as unknown as { action: unknown }).action = action;
      return route(ctx as never, next);
    });
  }

  /**
   * Handles the bot being added to a chat (vkflow's inviting handlers): a `chat_invite_user`
   * service message whose member is this community.
   *
   * @example
   * bot.onInvite((ctx) => 'Hi all! Make me an admin so I can see your messages.');
   */
  onInvite(...handlers: Array<Handler<ChatActionContext<C, 'chat_invite_user'>>>): this {
    this.types.add('message_new');
    const route = this.route(handlers);
    return this.add((ctx, next) => {
      if (ctx.update.type !== 'message_new' || ctx.groupId === undefined) return next();
      const action = serviceAction(ctx) as { type: string; member_id?: number } | undefined;
      if (action?.type !== 'chat_invite_user' || action.member_id !== -ctx.groupId) return next();
      (ctx as unknown as { action: unknown }).action = action;
      return route(ctx as never, next);
    });
  }

  /** The middleware at the end of a route: the handlers (a router puts its checks before them). */
  protected route<X extends C>(handlers: ReadonlyArray<Handler<X>>): MiddlewareFn<X> {
    return this.guard(leaf(handlers));
  }

  /** Puts the tree's own checks before a matched route (a router's checks; none here). */
  protected guard<X extends C>(route: MiddlewareFn<X>): MiddlewareFn<X> {
    return route;
  }

  /**
   * Takes the errors thrown by this tree's middleware and handlers (an error boundary): the
   * handler gets the error and the context; what it throws goes on to the enclosing tree's
   * handler (the bot's last). Errors of what runs after this tree are not caught here.
   *
   * @example
   * router.catch((error, ctx) => ctx.reply(`Something went wrong: ${error.message}`));
   */
  catch(handler: ErrorHandler<C>): this {
    this.errorHandler = handler;
    this.compiled = undefined;
    return this;
  }
}

/**
 * The end of a route: the handlers in order (each may call `next()` to pass on to the next one,
 * the last one's `next` goes on past the route); a string returned is sent with `ctx.reply`.
 */
export function leaf<X extends BaseContext>(handlers: ReadonlyArray<Handler<X>>): MiddlewareFn<X> {
  const replying = handlers.map(
    (handler): MiddlewareFn<X> =>
      (ctx, next) => {
        const result = handler(ctx, next);
        if (typeof result === 'string') return ctx.reply(result);
        if (result instanceof Promise)
          return result.then((value) => (typeof value === 'string' ? ctx.reply(value) : undefined));
        return result;
      },
  );
  return chain(replying);
}

/** A new message someone wrote, with its text: what `hears` looks at. */
function isWrittenMessage(ctx: BaseContext): boolean {
  return ctx.update.type === 'message_new' && ctx.text !== undefined && serviceAction(ctx) === undefined;
}
