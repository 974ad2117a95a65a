import {
  type ArgsSpec,
  ArgumentError,
  type describeArgs,
  type InferArgs,
  parseArgs,
  usage,
} from '../args/index.js';
import type { BaseContext, CommandMatch } from '../context.js';
import type { MessageContext } from '../filters.js';
import { boundary, chain, flatten, type Middleware, type MiddlewareFn } from '../middleware.js';

/** The context of a command handler: a new message, the command called, and its parsed arguments. */
export type CommandContext<
  C extends BaseContext,
  S extends ArgsSpec = Record<never, never>,
> = MessageContext<C> & {
  args: InferArgs<S>;
  command: CommandMatch;
};

/** What to do when a command's arguments are wrong: reply with the problem and the usage, stay silent, or your own. */
export type ArgumentErrorPolicy<C extends BaseContext = BaseContext> =
  | 'reply'
  | 'ignore'
  | ((error: ArgumentError, ctx: CommandContext<C, ArgsSpec>, usage: string) => unknown);

/**
 * A command's declaration besides its name and handlers.
 *
 * @example
 * bot.command('sum', { args: { numbers: arg.number().greedy() }, description: 'Adds numbers' },
 *   (ctx) => String(ctx.args.numbers.reduce((a, b) => a + b, 0)));
 */
export interface CommandOptions<C extends BaseContext, S extends ArgsSpec> {
  /** The arguments, parsed from the text after the name into `ctx.args` (typed from this declaration). */
  args?: S;
  /** Other names of the command (full paths for a sub-command: `'admin b'`). */
  aliases?: readonly string[];
  /** One line for `/help` and `describe()`. */
  description?: string;
  /** Example calls for `/help <command>`, e.g. `'/sum 1 2 3'`. */
  examples?: readonly string[];
  /** Left out of `/help` (still in `describe()`, marked hidden). @default false */
  hidden?: boolean;
  /** Extra text after the arguments is an error. @default the bot's `strict` */
  strict?: boolean;
  /**
   * Checks run before the arguments are read (cooldowns, chat-only, admins...): a failing check
   * throws a `CheckFailure`, which goes to `onError` and the error handlers.
   */
  checks?: ReadonlyArray<Middleware<MessageContext<C>>>;
  /** Takes what this command's checks and handlers throw; throw again to pass it on. */
  onError?: (error: Error, ctx: CommandContext<C, S>) => unknown;
  /** What to do with bad arguments. @default the bot's `onArgumentError` ('reply') */
  onArgumentError?: ArgumentErrorPolicy<C>;
}

/** A command as `describe()` and `/help` show it. */
export interface CommandInfo {
  /** The name (a path for sub-commands: `'admin ban'`). */
  name: string;
  /** Other names. */
  aliases: string[];
  /** The description, if given. */
  description?: string;
  /** How to call it, e.g. `/sum <numbers...>`. */
  usage: string;
  /** The arguments (name, type, optional, default, ...). */
  args: ReturnType<typeof describeArgs>;
  /** Example calls. */
  examples: string[];
  /** Whether `/help` leaves it out. */
  hidden: boolean;
}

/** A registered command: its paths (name and aliases, split into words) and what `describe()` shows. */
export interface CommandEntry {
  readonly paths: ReadonlyArray<readonly string[]>;
  readonly spec: ArgsSpec | undefined;
  readonly info: Omit<CommandInfo, 'usage'>;
}

/** Splits a command name into its words; checks it is one. */
export function commandPath(name: string): string[] {
  const words = name.trim().split(/\s+/);
  if (name.trim() === '' || words.some((word) => word.length === 0))
    throw new TypeError(`a command name must be one or more words, got ${JSON.stringify(name)}`);
  return words;
}

/** Whether the call's words start with `path` (compared as the bot's case rule says). */
function startsWith(
  words: ReadonlyArray<{ word: string }>,
  path: readonly string[],
  caseSensitive: boolean,
): boolean {
  if (words.length < path.length) return false;
  for (let index = 0; index < path.length; index++) {
    const expected = caseSensitive ? path[index] : (path[index] as string).toLowerCase();
    if (words[index]?.word !== expected) return false;
  }
  return true;
}

/** One command as its group dispatches it: the first words it answers to, and its middleware. */
export interface CommandRoute<C> {
  /** The first words of its name and aliases, lowercased. */
  readonly firstWords: ReadonlySet<string>;
  /** Matches the call, runs the checks, reads the arguments, runs the handlers; else `next()`. */
  readonly handle: MiddlewareFn<C>;
}

/** Whether a command among `entries` has a name longer than `length` words. */
function longerThan(entries: readonly CommandEntry[], length: number): boolean {
  for (const entry of entries) for (const path of entry.paths) if (path.length > length) return true;
  return false;
}

/**
 * One command: matches the call (the longest registered path wins, so `/admin ban` goes to
 * `admin ban` even when `admin` came first), runs the checks, reads the arguments, runs the
 * handlers.
 */
export function commandRoute<C extends BaseContext, S extends ArgsSpec>(
  entry: CommandEntry,
  options: CommandOptions<C, S>,
  siblings: () => readonly CommandEntry[],
  route: MiddlewareFn<CommandContext<C, S>>,
  /** Wraps the matched command (checks, arguments, handlers): a router puts its checks first. */
  wrap: (body: MiddlewareFn<CommandContext<C, S>>) => MiddlewareFn<CommandContext<C, S>> = (body) => body,
): CommandRoute<C> {
  const checks = chain((options.checks ?? []).map(flatten)) as MiddlewareFn<CommandContext<C, S>>;
  const hasChecks = (options.checks?.length ?? 0) > 0;
  const firstWords = new Set(entry.paths.map((path) => (path[0] as string).toLowerCase()));
  const canonical = entry.info.name;

  const withArgs: MiddlewareFn<CommandContext<C, S>> = async (ctx, next) => {
    const spec = entry.spec;
    if (spec !== undefined) {
      const strict = options.strict ?? ctx.commandSettings.strict;
      try {
        ctx.args = (await parseArgs(
          spec,
          ctx.command.argsText,
          {
            api: ctx.api,
            message: ctx.sourceMessage(),
            peerId: ctx.peerId,
            groupId: ctx.groupId,
            signal: ctx.signal,
          },
          { strict },
        )) as InferArgs<S>;
      } catch (error) {
        if (!(error instanceof ArgumentError)) throw error;
        const policy = options.onArgumentError ?? ctx.commandSettings.onArgumentError;
        const shown = usage(spec, `${ctx.command.prefix}${canonical}`);
        if (policy === 'ignore') return;
        if (policy === 'reply') {
          await ctx.reply(`${error.message}\nUsage: ${shown}`);
          return;
        }
        await policy(error, ctx as never, shown);
        return;
      }
    } else ctx.args = {} as InferArgs<S>;
    await route(ctx, next);
  };
  const body = wrap(hasChecks ? chain([checks, withArgs]) : withArgs);
  const guarded: MiddlewareFn<CommandContext<C, S>> =
    options.onError === undefined ? body : boundary(body, options.onError);

  // A command whose names are single words is matched on the first word alone.
  const singleWord = entry.paths.every((path) => path.length === 1);
  // Whether a sibling has a longer name: read again only when commands were added.
  let counted = -1;
  let longerSibling = false;
  const hasLongerSibling = (): boolean => {
    const all = siblings();
    if (all.length !== counted) {
      counted = all.length;
      longerSibling = longerThan(all, 1);
    }
    return longerSibling;
  };
  const handle: MiddlewareFn<C> = (ctx, next) => {
    const call = ctx.commandCall;
    if (call === null || !firstWords.has(call.head)) return next();
    const caseSensitive = ctx.commandSettings.caseSensitive;
    let length = 1;
    let end: number;
    if (singleWord && !caseSensitive && !hasLongerSibling()) {
      end = call.body.length - call.body.trimStart().length + call.head.length;
    } else {
      const words = call.words;
      let matched: readonly string[] | undefined;
      for (const path of entry.paths)
        if (startsWith(words, path, caseSensitive) && (matched === undefined || path.length > matched.length))
          matched = path;
      if (matched === undefined) return next();
      length = matched.length;
      // A longer command registered beside this one takes the call (`admin ban` over `admin`).
      for (const other of siblings())
        if (
          other !== entry &&
          other.paths.some((path) => path.length > length && startsWith(words, path, caseSensitive))
        )
          return next();
      end = words[length - 1]?.end ?? 0;
    }
    ctx.command = {
      name: canonical,
      invokedAs: call.body.slice(0, end).trim(),
      prefix: call.prefix,
      argsText: call.body.slice(end).trim(),
    };
    return guarded(ctx as unknown as CommandContext<C, S>, next);
  };
  return { firstWords, handle };
}
