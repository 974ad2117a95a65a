import type { MiddlewareFn, NextFunction } from './middleware.js';

/** A route a group tries: `match` tests the context (and may set fields on it), `run` handles it. */
export interface GroupedRoute<C> {
  match(ctx: C): boolean;
  readonly run: MiddlewareFn<C>;
}

/**
 * Routes of one kind added one after another (`hears` after `hears`), run as one middleware: the
 * shared precondition is checked once, then each route is tried in order; a route whose handlers
 * call `next()` hands over to the next route. Behaves as one middleware per route would.
 */
export class RouteGroup<C> {
  private readonly routes: Array<GroupedRoute<C>> = [];
  /** The group as middleware. */
  readonly middleware: MiddlewareFn<C> = (ctx, next) =>
    this.applies(ctx) ? this.from(0, ctx, next) : next();

  constructor(
    /** What this kind of route is (a group takes only its own kind). */
    readonly kind: string,
    private readonly applies: (ctx: C) => boolean,
  ) {}

  /** Adds a route after those already in the group. */
  add(route: GroupedRoute<C>): void {
    this.routes.push(route);
  }

  private from(index: number, ctx: C, next: NextFunction): unknown {
    for (let at = index; at < this.routes.length; at++) {
      const route = this.routes[at] as GroupedRoute<C>;
      if (route.match(ctx)) return route.run(ctx, () => this.from(at + 1, ctx, next) as Promise<void>);
    }
    return next();
  }
}
