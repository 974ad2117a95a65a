import { BotMiddlewareError } from './errors.js';

/** Calls the rest of the chain; resolves when everything after this middleware is done. */
export type NextFunction = () => Promise<void>;

/**
 * A middleware: does something with the context, and calls `next()` (at most once) to pass it on.
 * It is awaited; what it returns is ignored (see {@link Handler} for handlers that answer).
 *
 * @example
 * bot.use(async (ctx, next) => {
 *   const started = performance.now();
 *   await next();
 *   console.log(ctx.update.type, performance.now() - started);
 * });
 */
export type MiddlewareFn<C> = (ctx: C, next: NextFunction) => unknown;

/** Anything that can hand out a middleware function: a `Composer`, a `Router`, a plugin. */
export interface MiddlewareObj<C> {
  /** The middleware function this object stands for. */
  middleware(): MiddlewareFn<C>;
}

/** A middleware function or an object that provides one (a `Composer`, a `Router`). */
export type Middleware<C> = MiddlewareFn<C> | MiddlewareObj<C>;

/**
 * A handler at the end of a route (`on`, `command`, `hears`, `button`, `payload`): a middleware
 * whose string result is sent back as a reply (`ctx.reply(result)`).
 *
 * @example
 * bot.command('ping', () => 'pong');
 */
export type Handler<C> = (ctx: C, next: NextFunction) => unknown;

const done: NextFunction = () => Promise.resolve();
const ignore = (): void => {};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The function of a middleware or middleware object. */
export function flatten<C>(middleware: Middleware<C>): MiddlewareFn<C> {
  return typeof middleware === 'function' ? middleware : middleware.middleware();
}

/**
 * Runs `list` in order: each middleware decides whether the next one runs by calling `next`; after
 * the last, `next` of the whole chain runs. Calling `next` twice is a `BotMiddlewareError`.
 */
export function chain<C>(list: ReadonlyArray<MiddlewareFn<C>>): MiddlewareFn<C> {
  if (list.length === 0) return (_ctx, next) => next();
  // Not an async function: a middleware that hands on what `next()` returned (most filters do)
  // costs no promise and no microtask of its own, which adds up over a long chain of commands.
  const step = (ctx: C, index: number, last: NextFunction): Promise<void> => {
    if (index === list.length) return last();
    const middleware = list[index] as MiddlewareFn<C>;
    let rest: Promise<void> | undefined;
    let result: unknown;
    try {
      result = middleware(ctx, () => {
        if (rest !== undefined)
          return Promise.reject(new BotMiddlewareError('next() was called twice by one middleware'));
        rest = step(ctx, index + 1, last);
        return rest;
      });
    } catch (error) {
      return Promise.reject(error);
    }
    if (result === rest && rest !== undefined) return rest;
    return isThenable(result) ? Promise.resolve(result).then(ignore) : Promise.resolve();
  };
  return (ctx, next) => step(ctx, 0, next ?? done);
}

/** Runs a middleware as the whole chain (with nothing after it). */
export async function run<C>(middleware: MiddlewareFn<C>, ctx: C): Promise<void> {
  await middleware(ctx, done);
}

/**
 * Wraps a middleware in an error boundary: what it (or anything inside it) throws goes to
 * `onError`; what comes back out of its `next()` — errors of what runs after it — passes through.
 */
export function boundary<C>(
  inner: MiddlewareFn<C>,
  onError: (error: Error, ctx: C) => unknown,
): MiddlewareFn<C> {
  // Errors that came out of this boundary's `next()`: they belong to what runs after it.
  const passedThrough = new WeakSet<object>();
  return async (ctx, next) => {
    try {
      await inner(ctx, () =>
        next().catch((error: unknown) => {
          if (typeof error === 'object' && error !== null) passedThrough.add(error);
          throw error;
        }),
      );
    } catch (error) {
      if (typeof error === 'object' && error !== null && passedThrough.has(error)) throw error;
      await onError(error instanceof Error ? error : new Error(String(error)), ctx);
    }
  };
}
