// TEMPORARY stub until the args branch lands (replaced wholesale on merge).
import type { VkApi } from '@vkwire/api-client';
import type { VkMessage } from '@vkwire/events-schema';
export interface ArgSpec<T> {
  readonly __type?: T;
}
export type ArgsSpec = Record<string, ArgSpec<unknown>>;
export type InferArgs<S extends ArgsSpec> = { [K in keyof S]: S[K] extends ArgSpec<infer T> ? T : never };
export interface ArgsEnv {
  api?: VkApi;
  message?: VkMessage;
  peerId?: number;
  groupId?: number;
  signal?: AbortSignal;
}
export class ArgumentError extends Error {
  override readonly name = 'ArgumentError';
  code = 'invalid';
}
export async function parseArgs<S extends ArgsSpec>(
  _spec: S,
  _text: string,
  _env: ArgsEnv,
  _options?: { strict?: boolean },
): Promise<InferArgs<S>> {
  return {} as InferArgs<S>;
}
export function usage(_spec: ArgsSpec, path: string): string {
  return path;
}
export function describeArgs(_spec: ArgsSpec): unknown[] {
  return [];
}
