/**
 * A value, or a promise of it. Store contracts allow both, so an in-memory store answers without
 * a microtask per call and a networked one (Redis) answers with a promise.
 */
export type MaybePromise<T> = T | Promise<T>;
