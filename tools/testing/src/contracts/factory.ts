import type { MaybePromise } from '@vkwire/core';

/** Makes a fresh, empty store for one test; `cleanup` (if any) runs after it. */
export type StoreFactory<S> = () => MaybePromise<S | { store: S; cleanup: () => MaybePromise<void> }>;

/** @internal Calls a factory and normalizes its answer. */
export async function make<S>(
  factory: StoreFactory<S>,
): Promise<{ store: S; cleanup: () => MaybePromise<void> }> {
  const made = await factory();
  if (typeof made === 'object' && made !== null && 'store' in made && 'cleanup' in made)
    return made as { store: S; cleanup: () => MaybePromise<void> };
  return { store: made as S, cleanup: () => {} };
}

/** Resolves once `ms` have surely passed on the wall clock (TTLs and leases are wall-clock). */
export function waitPast(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms + 15));
}
