import type { Context } from 'hono';
import type { Caller, MethodTable } from '../api/context.js';
import { errorEnvelope, runMethod } from '../api/dispatch.js';
import { VkError } from '../api/errors.js';
import type { FaultAction } from '../faults.js';
import type { SandboxState } from '../state.js';
import { resolveFault } from './fault-outcome.js';
import { dropConnection, jsonText, proxyPage, requestSignal, type SandboxEnv } from './hold.js';

/** Query and form parameters of a request, strings only (files are not API parameters). */
export async function readParams(c: Context<SandboxEnv>): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URL(c.req.url).searchParams) params[key] = value;
  if (c.req.method === 'POST') {
    const type = c.req.header('content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
      const body = await c.req.parseBody({ all: false });
      for (const [key, value] of Object.entries(body)) if (typeof value === 'string') params[key] = value;
    }
  }
  return params;
}

function errorAnswer(error: VkError, method: string, params: Record<string, string>): Response {
  return jsonText(JSON.stringify(errorEnvelope(error, method, params)));
}

/** Extra keys VK puts on injected errors that carry them. */
function injectedError(code: number, details?: Record<string, unknown>): VkError {
  if (details !== undefined) return new VkError(code, undefined, details);
  if (code === 14) {
    const sid = String(Math.floor(Math.random() * 1e12));
    return new VkError(14, undefined, {
      captcha_sid: sid,
      captcha_img: `https://api.vk.com/captcha.php?sid=${sid}&s=1`,
    });
  }
  return new VkError(code);
}

/**
 * The answer a transport fault gives (a page, a dropped connection), or undefined to go on
 * normally, after a delay if the fault was one. Shared by the API and upload endpoints.
 */
export async function faultResponse(
  c: Context<SandboxEnv>,
  closing: AbortSignal,
  fault: FaultAction | undefined,
): Promise<Response | undefined> {
  if (!fault) return undefined;
  const { signal, dispose } = requestSignal(c, closing);
  const outcome = await resolveFault(fault, signal);
  dispose();
  if (outcome?.kind === 'page') return proxyPage(outcome.status);
  if (outcome?.kind === 'drop') return dropConnection(c);
  return undefined;
}

/** `GET|POST /method/<name>`: VK's API endpoint. */
export function apiHandler(state: SandboxState, methods: MethodTable, closing: AbortSignal) {
  return async (c: Context<SandboxEnv>): Promise<Response> => {
    const method = c.req.param('name') ?? '';
    const params = await readParams(c);
    const fault = state.faults.take('api', method);
    if (fault && fault.kind !== 'delay' && fault.kind !== 'loseAnswer') {
      // The sandbox did receive the call: log it, with the fault that answered it.
      const { access_token: _token, ...logged } = params;
      state.logCall({
        method,
        params: logged,
        caller: { kind: 'none' },
        inExecute: false,
        fault: fault.kind,
        ...(fault.kind === 'error' ? { errorCode: fault.code } : {}),
      });
    }
    const faulted = await faultResponse(c, closing, fault);
    if (faulted) return faulted;
    if (fault?.kind === 'error') return errorAnswer(injectedError(fault.code, fault.details), method, params);

    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const token = params.access_token ?? bearer;
    if (token === undefined || token === '') {
      return errorAnswer(new VkError(5, 'no access_token passed.'), method, params);
    }
    const owner = state.world.tokenOwner(token);
    if (!owner) return errorAnswer(new VkError(5, 'invalid access_token (4).'), method, params);
    if (params.v === undefined || params.v === '') {
      return errorAnswer(new VkError(8, 'v (version) is required'), method, params);
    }
    if (!state.rateLimiter.admit(token, owner.kind)) return errorAnswer(new VkError(6), method, params);
    const caller: Caller =
      owner.kind === 'group'
        ? { kind: 'group', group: owner.group, token }
        : { kind: 'user', user: owner.user, token };
    const outcome = runMethod(state, methods, method, params, caller, false);
    if (fault?.kind === 'loseAnswer') return dropConnection(c);
    if (!outcome.ok) return errorAnswer(outcome.error, method, params);
    return jsonText(JSON.stringify({ response: outcome.response, ...outcome.extras }));
  };
}
