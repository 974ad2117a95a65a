import type { BaseContext } from '../context.js';
import type { MiddlewareFn, NextFunction } from '../middleware.js';
import type { CommandRoute } from './command.js';

/**
 * Commands registered one after another, dispatched as one middleware: the call's first word picks
 * the commands that may answer (a map lookup instead of asking each command), which are tried in
 * the order they were registered. Same behaviour as one middleware per command, at the cost of one.
 */
export class CommandGroup<C extends BaseContext> {
  private readonly byWord = new Map<string, Array<CommandRoute<C>>>();
  /** The group as middleware. */
  readonly middleware: MiddlewareFn<C> = (ctx, next) => {
    const call = ctx.commandCall;
    if (call === null) return next();
    const candidates = this.byWord.get(call.head);
    if (candidates === undefined) return next();
    return this.from(candidates, 0, ctx, next);
  };

  /** Adds a command after those already in the group. */
  add(command: CommandRoute<C>): void {
    for (const word of command.firstWords) {
      const list = this.byWord.get(word) ?? [];
      list.push(command);
      this.byWord.set(word, list);
    }
  }

  private from(
    candidates: ReadonlyArray<CommandRoute<C>>,
    index: number,
    ctx: C,
    next: NextFunction,
  ): unknown {
    const command = candidates[index];
    if (command === undefined) return next();
    // A command that does not match, or whose handlers pass on, hands over to the next candidate.
    return command.handle(ctx, () => this.from(candidates, index + 1, ctx, next) as Promise<void>);
  }
}
