import type { SandboxState } from '../state.js';
import type { Caller, MethodTable } from './context.js';
import { VkError } from './errors.js';
import { Params, type RawParams } from './params.js';

/** A successful answer that carries more than `response` (execute's `execute_errors`). */
export class EnvelopeExtras {
  constructor(
    readonly response: unknown,
    readonly extras: Readonly<Record<string, unknown>>,
  ) {}
}

/** The outcome of one method call. */
export type CallOutcome =
  | { ok: true; response: unknown; extras?: Readonly<Record<string, unknown>> }
  | { ok: false; error: VkError };

/** Runs a method for a caller (no token or rate checks: the HTTP layer did those) and logs it. */
export function runMethod(
  state: SandboxState,
  methods: MethodTable,
  method: string,
  raw: RawParams,
  caller: Caller,
  inExecute: boolean,
): CallOutcome {
  const outcome = run(state, methods, method, raw, caller, inExecute);
  const { access_token: _token, ...params } = raw;
  state.logCall({
    method,
    params,
    caller:
      caller.kind === 'group'
        ? { kind: 'group', groupId: caller.group.id }
        : { kind: 'user', userId: caller.user.id },
    inExecute,
    ...(outcome.ok ? {} : { errorCode: outcome.error.code }),
  });
  return outcome;
}

function run(
  state: SandboxState,
  methods: MethodTable,
  method: string,
  raw: RawParams,
  caller: Caller,
  inExecute: boolean,
): CallOutcome {
  const spec = Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!spec) return { ok: false, error: new VkError(3) };
  const allowed = spec.tokens ?? 'any';
  if (allowed === 'group' && caller.kind !== 'group') {
    return { ok: false, error: new VkError(27, 'method is unavailable with user auth') };
  }
  if (allowed === 'user' && caller.kind !== 'user') {
    return { ok: false, error: new VkError(27, 'method is unavailable with group auth') };
  }
  try {
    const result = spec.run({ state, params: new Params(raw), caller, method, inExecute });
    if (result instanceof EnvelopeExtras)
      return { ok: true, response: result.response, extras: result.extras };
    return { ok: true, response: result };
  } catch (error) {
    if (error instanceof VkError) return { ok: false, error };
    // A bug in the sandbox must not look like VK: surface it as error 10 with the cause.
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, error: new VkError(10, `sandbox failure: ${detail}`) };
  }
}

/** VK's error envelope; `request_params` lists method, oauth and every parameter except the token. */
export function errorEnvelope(error: VkError, method: string, raw: RawParams): Record<string, unknown> {
  const requestParams = [
    { key: 'method', value: method },
    { key: 'oauth', value: '1' },
  ];
  if (raw.v !== undefined) requestParams.push({ key: 'v', value: raw.v });
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'access_token' || key === 'v') continue;
    requestParams.push({ key, value });
  }
  return {
    error: {
      error_code: error.code,
      error_msg: error.message,
      request_params: requestParams,
      ...error.extra,
    },
  };
}
