import type { SandboxState } from '../state.js';
import type { GroupRecord, UserRecord } from '../world/types.js';
import { VkError } from './errors.js';
import type { Params } from './params.js';

/** Who is calling: a community token or a user token. */
export type Caller =
  | { kind: 'group'; group: GroupRecord; token: string }
  | { kind: 'user'; user: UserRecord; token: string };

/** What a method handler gets. */
export interface CallContext {
  state: SandboxState;
  params: Params;
  caller: Caller;
  method: string;
  /** Whether the call runs inside an `execute`. */
  inExecute: boolean;
}

/** A method implementation: synchronous (the world is in memory), throws `VkError`. */
export interface MethodSpec {
  run: (context: CallContext) => unknown;
  /** Token kinds that may call it. @default 'any' */
  tokens?: 'group' | 'user' | 'any';
}

/** Method name → implementation. */
export type MethodTable = Readonly<Record<string, MethodSpec>>;

/** The community a call acts for: a community token's own community. */
export function callerGroup(context: CallContext): GroupRecord {
  if (context.caller.kind !== 'group') {
    throw new VkError(27, 'method is unavailable with user auth');
  }
  return context.caller.group;
}

/**
 * The community named by `group_id` (required), which the caller must manage: a community token
 * only manages its own community.
 */
export function managedGroup(context: CallContext, required = true): GroupRecord {
  const group = callerGroup(context);
  const id = required ? context.params.requireInt('group_id') : context.params.int('group_id');
  if (id !== undefined && id !== group.id) throw new VkError(15, `no access to group ${id}`);
  return group;
}
